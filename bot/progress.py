"""A one-line progress bar on standard error, for long exports in a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

WIDTH = 30
EVERY_SECONDS = 0.2


def wanted(stream: TextIO, writing_to_stdout: bool) -> bool:
    """Only for a person watching: not in CI, not when stderr is a pipe or a file, and not when the
    export itself goes to standard output (the bar would mix with it, or with the next program's input)."""
    return not writing_to_stdout and not os.environ.get("CI") and stream.isatty()


class ProgressBar:
    def __init__(self, total: int, stream: TextIO = sys.stderr, label: str = "exporting") -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self._last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last < EVERY_SECONDS and done < self.total:
            return
        self._last = now
        share = done / self.total if self.total else 1.0
        filled = round(WIDTH * min(share, 1.0))
        bar = "█" * filled + "░" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} {bar} {share:4.0%} {done:,}/{self.total:,} rows")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
