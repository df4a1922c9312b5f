"""Shared fixtures: a real SQLite file per test, the bundled Quito consultation, a fixed clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.consultation import Consultation, load_consultation
from handlers.i18n import Catalogs
from storage.database import Database, open_database, upgrade

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=ZoneInfo("America/Guayaquil"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cocrea.db'}"


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    db = open_database(sqlite_url)
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="session")
def quito() -> Consultation:
    return load_consultation("quito-2024")


def postgres_url() -> str | None:
    return os.environ.get("COCREA_TEST_POSTGRES_URL") or None
