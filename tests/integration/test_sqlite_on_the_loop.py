"""SQLite's statements run on the event loop (``storage.database.InlineSqlite``), yet a database that another
process holds locked never blocks the loop: the statement waits on the worker thread, with the busy timeout,
and when the lock outlasts it the unit of work says ``DatabaseUnavailable`` (the update comes again)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import storage.database
from storage.database import Database, InlineSqlite, open_database
from storage.errors import DatabaseUnavailable
from storage.uow import UnitOfWork, UnitOfWorkFactory

HELD = 0.4
"""How long the other process holds the write lock."""


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = open_database(f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}")
    async with database.writing(), database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE notes (text TEXT)"))
    yield database
    await database.dispose()


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[Callable[[float], None]]:
    """Holds the file's write lock for a while, as ``cocrea answers import`` does, from another connection."""
    other = sqlite3.connect(tmp_path / "loop.db", isolation_level=None, check_same_thread=False)
    timers: list[threading.Timer] = []

    def hold(seconds: float) -> None:
        other.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(seconds, lambda: other.execute("COMMIT"))
        timers.append(timer)
        timer.start()

    yield hold
    for timer in timers:
        timer.join()
    other.close()


class Ticks:
    """Counts the event loop's turns every 10 ms: a loop blocked by a waiting statement counts none."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.count += 1

    def stop(self) -> None:
        self._task.cancel()


async def write(database: Database, note: str) -> None:
    async with UnitOfWork(database) as uow:
        await uow.session.execute(text("INSERT INTO notes VALUES (:note)"), {"note": note})
        await uow.commit()


async def notes(database: Database) -> list[str]:
    async with UnitOfWork(database, read_only=True) as uow:
        return list((await uow.session.execute(text("SELECT text FROM notes"))).scalars())


async def test_a_write_waits_for_another_process_while_the_loop_goes_on(
    database: Database, other_process: Callable[[float], None]
) -> None:
    other_process(HELD)
    ticks = Ticks()
    await write(database, "after the import")
    ticks.stop()
    assert await notes(database) == ["after the import"]
    assert ticks.count >= HELD / 0.01 / 2  # the loop turned while the write waited (a blocked loop: ~0)


async def test_a_lock_that_outlasts_the_busy_timeout_makes_the_database_unavailable(
    database: Database, other_process: Callable[[float], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    other_process(HELD)
    with pytest.raises(DatabaseUnavailable):
        await write(database, "too early")
    await asyncio.sleep(HELD)
    await write(database, "later")
    assert await notes(database) == ["later"]


@pytest.fixture
def on_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the driver calls handed to the worker thread, as they go."""
    calls: list[str] = []
    handing_off = InlineSqlite._on_thread

    async def counted(self: InlineSqlite, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await handing_off(self, fn, *args, **kwargs)

    monkeypatch.setattr(InlineSqlite, "_on_thread", counted)
    return calls


async def test_statements_do_not_go_through_the_worker_thread(database: Database, on_thread: list[str]) -> None:
    await write(database, "warm")  # the pool's connection is open
    on_thread.clear()
    await write(database, "one")
    assert await notes(database) == ["warm", "one"]
    assert on_thread == ["commit"]  # only the commit, which may checkpoint the file


async def test_a_long_read_in_the_background_goes_through_the_worker_thread(
    database: Database, on_thread: list[str]
) -> None:
    """A background export reads a million rows beside the bot's updates: its statements and fetches go to
    the driver's thread, so that the loop keeps serving the chats meanwhile."""
    await write(database, "a note")
    on_thread.clear()
    async with UnitOfWorkFactory(database).reading_in_background() as uow:
        rows = list((await uow.session.execute(text("SELECT text FROM notes"))).scalars())
    assert rows == ["a note"]
    assert {"execute", "fetchall"} <= set(on_thread), on_thread

    on_thread.clear()
    assert await notes(database) == ["a note"]
    assert on_thread == [], "other reads stay on the loop"
