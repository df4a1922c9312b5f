"""Engine creation and schema upgrades.

SQLite runs in WAL mode with a busy timeout; every write transaction starts with
``BEGIN IMMEDIATE`` and, inside one process, writers queue on an asyncio lock so
they never meet SQLITE_BUSY. PostgreSQL (asyncpg) needs neither.

SQLite's statements run on the event loop itself (``InlineSqlite``), not on aiosqlite's worker
thread: a statement on a local file takes microseconds, while each hand-off to the thread and back
costs a turn of the event loop and the GIL, three or four of them per statement (the worker-thread
hops were most of the time an update held the writers' lock). What can wait for another process
(the busy timeout: a long ``cocrea answers import`` holds the file's write lock) never waits on the
loop: there the busy timeout is 0, and a statement that finds the file locked is tried again on the
worker thread with the real timeout, so the event loop never blocks and a locked database still
raises after ``SQLITE_BUSY_TIMEOUT_MS`` (``DatabaseUnavailable``: the update comes again). Commits
stay on the thread too: a commit may run a WAL checkpoint, which writes and syncs the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

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
    _alone: aiosqlite.Connection | None = field(default=None, init=False, repr=False)
    """SQLite's connection for ``alone``, opened at its first use."""

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
        assert self.readers is not None  # set by __post_init__
        return self.readers()

    async def dispose(self) -> None:
        if self._alone is not None:
            alone, self._alone = self._alone, None
            await alone.close()
        await self.engine.dispose()

    async def alone(self, sql: str, parameters: tuple[Any, ...]) -> bool:
        """SQLite (a file): run one write statement as a transaction of its own (autocommit) on a connection kept
        for it, outside SQLAlchemy (a session's checkout, BEGIN, commit and close cost several times the
        statement: about 0.3 ms for the sender's delete of a sent reply). It runs on that connection's thread
        with the busy timeout, as a commit does; the caller holds the writers' lock (``writing``). False, having
        run nothing, where there is no such connection (PostgreSQL, an in-memory database): use a session. Listeners
        of ``before_cursor_execute`` and ``commit`` hear it (with no connection): what waits for a commit to look
        again sees it."""
        if not self.is_sqlite or (self.engine.url.database or ":memory:").startswith((":memory:", "file:")):
            return False
        if self._alone is None:
            self._alone = await _connect_alone(self.engine)
        listeners = self.engine.sync_engine.dispatch.before_cursor_execute
        for listener in listeners:  # as ``Prepared`` does; there is no SQLAlchemy connection to give them
            listener(None, None, sql, parameters, None, False)
        try:
            await self._alone.execute_fetchall(sql, parameters)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, parameters, error, sqlite3.Error, dialect=self.engine.dialect) from error
        for listener in self.engine.sync_engine.dispatch.commit:
            listener(None)
        return True


def open_database(url: str, *, echo: bool = False) -> Database:
    """Create the engine for ``url``; nothing is connected until first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(parsed.database)
        engine: AsyncEngine = create_async_engine(url, echo=echo, async_creator=lambda: _connect_inline(engine))
        _configure_sqlite(engine)
        return Database(engine, _sessionmaker(engine), asyncio.Lock())
    engine = create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return Database(engine, _sessionmaker(engine))


def _sessionmaker(engine: AsyncEngine | Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _ensure_sqlite_folder(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


OFF_THE_LOOP: ContextVar[bool] = ContextVar("cocrea_sqlite_off_the_loop", default=False)
"""Set by ``off_the_loop``: this task's SQLite calls go to the worker thread."""


@contextmanager
def off_the_loop() -> Iterator[None]:
    """Long reads in the bot's process (a background export of a million rows) run their SQLite statements
    and fetches on the worker thread, as aiosqlite would: on the loop, each batch would hold every chat's
    update for its duration (about a second for an export's first pass)."""
    token = OFF_THE_LOOP.set(True)
    try:
        yield
    finally:
        OFF_THE_LOOP.reset(token)


LOOP_CALLS = frozenset({"cursor", "execute", "executemany", "fetchone", "fetchmany", "fetchall", "close", "rollback"})
"""What ``InlineSqlite`` runs on the event loop: statements, their rows, rollbacks. The rest (connecting,
committing, closing the connection) goes to the worker thread."""
RETRIED_WHEN_BUSY = frozenset({"execute", "executemany"})
"""Calls that SQLite leaves as they were when it answers SQLITE_BUSY (the statement did not start), so that
they can be tried again, patiently, on the worker thread."""


class InlineSqlite(aiosqlite.Connection):
    """aiosqlite's connection, but statements run on the event loop (see the module's docstring)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        name = getattr(fn, "__name__", "")
        if (
            OFF_THE_LOOP.get()
            or name not in LOOP_CALLS
            or (name == "close" and isinstance(getattr(fn, "__self__", None), sqlite3.Connection))
        ):
            return await self._on_thread(fn, *args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if name not in RETRIED_WHEN_BUSY or not _busy(error):
                raise
        return await self._on_thread(_patiently, self._connection, partial(fn, *args, **kwargs))

    async def _on_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        on_thread: Any = super()._execute  # untyped in aiosqlite
        return await on_thread(fn, *args, **kwargs)


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (or one of its extended codes): another process holds the lock."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _patiently(connection: sqlite3.Connection, call: Callable[[], Any]) -> Any:
    """On the worker thread: ``call`` with the busy timeout, which the event loop's calls go without."""
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    try:
        return call()
    finally:
        connection.execute("PRAGMA busy_timeout=0")


async def _connect_inline(engine: AsyncEngine) -> InlineSqlite:
    """The driver connection for ``engine``'s URL (what aiosqlite would open), usable from the loop's
    thread as well as from the worker's, with no busy timeout (see ``_patiently``)."""
    return await _driver_connection(engine, InlineSqlite, timeout=0)


async def _connect_alone(engine: AsyncEngine) -> aiosqlite.Connection:
    """A connection for ``Database.alone``: autocommit, every call on its own thread, with the busy timeout."""
    connection = await _driver_connection(
        engine, aiosqlite.Connection, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"):
        await connection.execute_fetchall(pragma)
    return connection


C = TypeVar("C", bound=aiosqlite.Connection)


async def _driver_connection(engine: AsyncEngine, kind: type[C], **options: Any) -> C:
    """An aiosqlite connection of ``kind`` to ``engine``'s file (what aiosqlite would open), with ``options``
    for ``sqlite3.connect``; usable from any thread, its worker thread a daemon."""
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    kwargs.update(options, check_same_thread=False)
    connection = kind(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True
    await connection
    return connection


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=0")  # the loop never waits: see InlineSqlite
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        """Which BEGIN the transaction starts with; ``_begin`` runs it."""
        read_only = conn.get_execution_options().get("cocrea_read_only", False)
        conn.connection.info[BEGIN_STATEMENT] = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    engine.sync_engine.dialect.do_begin = _begin  # type: ignore[method-assign]


BEGIN_STATEMENT = "cocrea_begin"


def _begin(dbapi_connection: Any) -> None:
    """The dialect's BEGIN: on the driver's cursor, where SQLAlchemy turns a driver error into its own (a locked
    file: ``OperationalError``, then ``DatabaseUnavailable``). Run through ``exec_driver_sql`` it cost a whole
    statement's bookkeeping, for two transactions of every update."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(dbapi_connection.info.pop(BEGIN_STATEMENT, "BEGIN IMMEDIATE"))
    finally:
        cursor.close()


@dataclass(frozen=True)
class Ran:
    """What a ``Prepared`` statement gave: its rows (RETURNING) and how many rows it changed."""

    rows: list[tuple[Any, ...]]
    rowcount: int


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: SQLCompiler
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    """A SELECT's columns as their types read them (RETURNING rows are the driver's: ids, strings)."""


class Prepared:
    """A Core statement of every update, compiled once and, on SQLite, run on the driver's cursor in the session's
    transaction: SQLAlchemy's execution around it (context, cursor result, events, greenlet hops) cost several
    times the statement (~60-140 µs against ~10). Its parameters go through the columns' types as SQLAlchemy
    would send them; listeners of ``before_cursor_execute`` still hear it; a driver error comes out as
    SQLAlchemy's (``DBAPIError.instance``), as from ``session.execute``. Every value must be given: Python-side
    defaults (``default=``, ``onupdate=``) are not filled in here (refused when compiling). Other databases run
    it through the session."""

    def __init__(self, statement: UpdateBase | Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    async def run(self, session: AsyncSession, parameters: dict[str, Any]) -> Ran:
        if session.get_bind().dialect.name != "sqlite":
            result = await session.execute(self.statement, parameters)
            rows = [tuple(row) for row in result] if getattr(result, "returns_rows", False) else []
            return Ran(rows, getattr(result, "rowcount", -1))
        sync, driver = await _driver_of(session)
        prepared = self._prepare(sync.dialect, tuple(parameters))
        bound = prepared.compiled.construct_params(parameters)
        values = tuple(
            value if process is None else process(value)
            for value, process in zip((bound[name] for name in prepared.names), prepared.processors, strict=True)
        )
        if sync.dispatch.before_cursor_execute:
            for listener in sync.dispatch.before_cursor_execute:
                listener(sync, None, prepared.sql, values, None, False)
        try:
            cursor = await driver.execute(prepared.sql, values)
            rows = list(await cursor.fetchall())
            if prepared.results:
                rows = [_read(row, prepared.results) for row in rows]
            ran = Ran(rows, cursor.rowcount)
            await cursor.close()
        except sqlite3.Error as error:
            raise DBAPIError.instance(prepared.sql, values, error, sqlite3.Error, dialect=sync.dialect) from error
        return ran

    def _prepare(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        prepared = self._compiled.get(keys)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(keys))
            assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
            if compiled.insert_prefetch or compiled.update_prefetch:
                raise ValueError(f"give every value: {[c.key for c in compiled.insert_prefetch]} have defaults")
            names = tuple(compiled.positiontup)
            processors = tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            )
            results = (
                tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in self.statement.selected_columns
                )
                if isinstance(self.statement, Select)
                else ()
            )
            prepared = self._compiled[keys] = _Compiled(compiled.string, compiled, names, processors, results)
        return prepared


def _read(row: tuple[Any, ...], results: tuple[Callable[[Any], Any] | None, ...]) -> tuple[Any, ...]:
    return tuple(value if read is None else read(value) for value, read in zip(row, results, strict=True))


DRIVER = "cocrea_driver"


async def _driver_of(session: AsyncSession) -> tuple[Connection, Any]:
    """The connection of the session's transaction and its driver connection, kept for the transaction (asking the
    session for them at each statement cost as much as the statement)."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(DRIVER)
    if transaction is not None and kept is not None and kept[0] is transaction:
        return kept[1], kept[2]
    connection = await session.connection()
    sync = connection.sync_connection
    driver = (await connection.get_raw_connection()).driver_connection
    assert sync is not None and driver is not None
    session.info[DRIVER] = (session.sync_session.get_transaction(), sync, driver)
    return sync, driver


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
