"""Engine creation and schema upgrades.

SQLite runs in WAL mode with a busy timeout; every write transaction starts with
``BEGIN IMMEDIATE`` and, inside one process, writers queue on an asyncio lock so
they never meet SQLITE_BUSY. PostgreSQL (asyncpg) needs neither.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = {"cocrea_read_only": True}


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    write_lock: asyncio.Lock | None = field(default=None)
    readers: async_sessionmaker[AsyncSession] | None = field(default=None)
    """Sessions for reading only: with SQLite a plain BEGIN, which never waits for writers."""

    def __post_init__(self) -> None:
        if self.readers is None:
            self.readers = _sessionmaker(self.engine.execution_options(**READ_ONLY))

    def describe(self) -> str:
        """Where the data is, for the operator: the file's absolute path, or the server without password."""
        url = self.engine.url
        if self.is_sqlite:
            return str(Path(url.database or "").expanduser().resolve())
        return url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def writing(self) -> Any:
        """Hold the in-process writer lock (SQLite only) for one write transaction."""
        if self.write_lock is None:
            yield
            return
        async with self.write_lock:
            yield

    @asynccontextmanager
    async def reading(self) -> Any:
        """A reader takes no lock."""
        yield

    def read_only_sessions(self) -> AsyncSession:
        """A session whose transactions start with a plain BEGIN (SQLite), never taking the write lock."""
        return AsyncSession(bind=self.engine.execution_options(**READ_ONLY), expire_on_commit=False, autoflush=False)

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(url: str, *, echo: bool = False) -> Database:
    """Create the engine for ``url``; nothing is connected until first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(parsed.database)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return Database(engine, _sessionmaker(engine), asyncio.Lock())
    engine = create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return Database(engine, _sessionmaker(engine))


def _sessionmaker(engine: AsyncEngine | Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _ensure_sqlite_folder(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("cocrea_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


HEAD = "0009"
"""The newest migration (a test holds it to the migrations): a database already there starts without
loading Alembic and its scripts."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic), in one transaction."""
    if revision == "head" and await stored_revision(database) == HEAD:
        return
    from alembic import command

    async with database.writing(), database.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


class UnknownRevision(Exception):
    """A schema revision that the migrations do not have."""


async def stored_revision(database: Database) -> str | None:
    """The schema revision recorded in the database (None: no schema yet), read without Alembic."""

    def read(sync: Connection) -> str | None:
        if not inspect(sync).has_table("alembic_version"):
            return None
        return sync.execute(text("SELECT version_num FROM alembic_version")).scalar()

    async with database.engine.connect() as conn:
        return await conn.run_sync(read)


async def downgrade(database: Database, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    try:
        async with database.writing(), database.engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
    except CommandError as error:
        raise UnknownRevision(f"cannot downgrade to {revision!r}: {error}") from None


async def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with database.engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
