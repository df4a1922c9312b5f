"""Locks that hold across processes and machines: PostgreSQL advisory locks.

* ``lock_chat``: one chat's updates never run at the same time anywhere — a transaction-level lock on
  the chat's key, taken first thing in the update's transaction and released by its commit or rollback.
  SQLite needs none: every write transaction there already excludes every other writer.
* ``SenderLock``: the right to send the outbox, held by one process at a time — a session-level lock
  on a connection of its own. A process that dies loses its connection, and the server releases the
  lock with it; keepalives make the server notice a vanished machine within seconds, not hours.
  The same connection hears the notifications raised for every message queued (migration 0009).

The two lock kinds live in separate key spaces (one 64-bit key for chats, two 32-bit keys for the
sender), so a chat's key can never be the sender's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

LOCK_CLASS = 0x636F6372  # "cocr": our advisory locks with two keys
SENDER = 1
NOTIFICATIONS = "cocrea_outbox"
"""The channel on which PostgreSQL announces each queued message: ``"<priority> <channel> <chat id>"``."""
KEEPALIVES = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}
"""The server drops the connection of a machine that vanished (no FIN, no RST) after ~11 s."""
HEARTBEAT_TIMEOUT = 3.0

Queued = Callable[[int, str, str], None]
"""Told of each queued message: (priority, channel, chat id)."""


async def lock_chat(uow: UnitOfWork, channel: str, chat_id: str) -> None:
    """Until this unit of work ends, no other one anywhere works on this chat (PostgreSQL); SQLite's write
    transaction already excludes every other writer."""
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"{channel}:{chat_id}"})


class SenderLock:
    """The outbox sender's lock on PostgreSQL (see the module's docstring). Not for SQLite, where one
    process is the only sender."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._held = False
        self._listener: Queued | None = None

    @property
    def held(self) -> bool:
        return self._held

    async def try_take(self) -> bool:
        """Take the lock if nobody holds it; True when it is ours (now or already)."""
        if self._held:
            return True
        driver = await self._open()
        self._held = bool(await driver.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCK_CLASS, SENDER))
        return self._held

    async def still_held(self) -> bool:
        """Whether our connection is alive and still holds the lock (a heartbeat); False also when it is lost."""
        if not self._held or self._driver is None:
            return False
        try:
            held = await self._driver.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                " AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted)",
                LOCK_CLASS,
                SENDER,
                timeout=HEARTBEAT_TIMEOUT,
            )
        except Exception as error:  # the connection broke, the server went away, the heartbeat timed out
            log.warning("the outbox sender's connection to the database failed: %s", error)
            await self.release()
            return False
        if not held:
            await self.release()
        return bool(held)

    async def listen(self, queued: Queued) -> None:
        """Hear every queued message from now on (while this connection lives)."""
        driver = await self._open()
        self._listener = queued
        await driver.add_listener(NOTIFICATIONS, self._heard)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        priority, channel, chat_id = payload.split(" ", 2)
        if self._listener is not None:
            self._listener(int(priority), channel, chat_id)

    async def release(self) -> None:
        """Let go of the lock and the connection (closing it: the server releases the lock with it)."""
        self._held = False
        self._listener = None
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    async def _open(self) -> Any:
        if self._driver is None:
            connection = await self._database.engine.connect()
            try:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                for name, value in KEEPALIVES.items():
                    await driver.execute(f"SET {name} = {value}")
            except BaseException:
                with contextlib.suppress(Exception):
                    await connection.invalidate()
                await connection.close()
                raise
            self._connection, self._driver = connection, driver
        return self._driver
