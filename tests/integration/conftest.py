"""Storage tests run on SQLite always, and on PostgreSQL when COCREA_TEST_POSTGRES_URL is set.

Each PostgreSQL test run uses a database of its own, created and dropped here.
In CI (CI=true) a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.database import Database, open_database, upgrade
from tests.conftest import postgres_url


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    base = postgres_url()
    if base is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set COCREA_TEST_POSTGRES_URL")
        pytest.skip(
            "PostgreSQL tests need COCREA_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test)"
        )
    name = f"cocrea_it_{uuid.uuid4().hex[:10]}"
    import asyncio

    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_database_url")
    return url


@pytest.fixture
async def any_database(any_database_url: str) -> AsyncIterator[Database]:
    db = open_database(any_database_url)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await upgrade(db)
    yield db
    await db.dispose()
