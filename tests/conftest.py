"""Shared fixtures: a real SQLite file per test, the bundled Quito consultation, a fixed clock."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.consultation import Consultation, load_consultation
from handlers.i18n import Catalogs
from handlers.services import Services
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=ZoneInfo("America/Guayaquil"))


async def migrate(url: str) -> None:
    """A database at ``url`` with the whole schema."""
    database = open_database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database file migrated once per session; each test gets a copy (migrating costs ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "cocrea.db"
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_file: Path) -> str:
    target = tmp_path / "cocrea.db"
    shutil.copyfile(migrated_file, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    db = open_database(sqlite_url)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture(scope="session")
def quito() -> Consultation:
    return load_consultation("quito-2024")


@pytest.fixture
def services(database: Database, quito: Consultation, catalogs: Catalogs, tmp_path: Path) -> Services:
    return Services(UnitOfWorkFactory(database), quito, catalogs, lambda: NOW, data_dir=tmp_path / "data")


def postgres_url() -> str | None:
    return os.environ.get("COCREA_TEST_POSTGRES_URL") or None
