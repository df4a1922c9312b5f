"""Files the bot sends to staff (exports, charts): each under ``<data dir>/exports/`` in a folder of its own,
kept a day so that the outbox can still send it after a restart."""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

FILE_LIFETIME_SECONDS = 24 * 3600


def new_file(data_dir: Path, name: str) -> Path:
    """A fresh path under ``<data dir>/exports/``; files older than a day are removed first."""
    root = data_dir / "exports"
    remove_old_files(root)
    folder = root / secrets.token_hex(8)
    folder.mkdir(parents=True)
    return folder / name


def remove_old_files(root: Path, max_age_seconds: float = FILE_LIFETIME_SECONDS) -> None:
    if not root.is_dir():
        return
    limit = time.time() - max_age_seconds
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
