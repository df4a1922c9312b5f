"""One sender at a time, whatever the number of workers and machines (PostgreSQL).

Telegram's limits (about 30 messages a second in all, one a second per chat) hold for the bot token,
not per process. Rather than share a rate limiter through the database (a round trip before every
message, clocks of several machines, and a chat's messages sent by several processes that must then
agree on their order), one process sends: the one holding the sender's advisory lock
(``storage/locks.SenderLock``). Its pacer is exact and in memory, and a chat's messages leave one
process in the order they were queued. The others process updates and queue replies; PostgreSQL
tells the sender of each queued message (a notification raised by the insert, delivered at commit),
so a reply leaves as fast as if its worker had sent it.

The others try to take the lock every ``every`` seconds. A sender that dies loses its connection and,
with it, the lock: another takes over within about a second (a machine that vanishes without closing
its connections: within the keepalive time, about 11 s). A sender whose connection breaks, or whose
heartbeat goes unanswered, stops sending at once. The one message a dying sender may have handed to
Telegram without recording it is sent again by its successor (Telegram has no idempotency key): at
most one duplicate per chat being served at the crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.outbox.events import first_of
from storage.database import Database
from storage.locks import SenderLock

log = logging.getLogger(__name__)
EVERY = 1.0

Poke = Callable[[int, str], None]
"""Told that a message was queued for a chat of its channel: (priority, chat id)."""


class Leadership:
    """Whether this process is the sender (see the module's docstring)."""

    def __init__(self, database: Database, *, every: float = EVERY) -> None:
        self._lock = SenderLock(database)
        self._every = every
        self._channels: dict[str, Poke] = {}
        self._leading = asyncio.Event()
        self._following = asyncio.Event()
        self._following.set()
        self._on_lead: list[Callable[[], Awaitable[None]]] = []

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    def follow(self, channel: str, poke: Poke) -> None:
        """``poke`` hears of every message queued for ``channel`` while this process sends."""
        self._channels[channel] = poke

    def on_lead(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` each time this process becomes the sender."""
        self._on_lead.append(work)

    @property
    def not_leading(self) -> asyncio.Event:
        """Set while another process sends (or none does)."""
        return self._following

    async def wait_leading(self, stopping: asyncio.Event) -> None:
        await first_of(self._leading, stopping)

    async def try_once(self) -> bool:
        """Try to become the sender now (at start, before listening); True when this process is."""
        try:
            if not self._lock.held and await self._lock.try_take():
                await self._lock.listen(self._heard)
                await self._became_leader()
        except Exception as error:  # the database is not reachable: try again in a moment
            log.warning("cannot take the outbox sender's lock: %s", error)
            await self._lock.release()
        return self.leading

    async def run(self, stopping: asyncio.Event) -> None:
        """Take the lead when it is free; while leading, check every ``every`` seconds that it still is."""
        try:
            while not stopping.is_set():
                if self.leading:
                    if not await self._lock.still_held():
                        self._step_down("lost its connection to the database")
                else:
                    await self.try_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self._every)
        finally:
            self._step_down("stopping")
            await self._lock.release()

    async def _became_leader(self) -> None:
        self._following.clear()
        self._leading.set()
        log.info("this process sends the outbox now")
        for work in self._on_lead:
            try:
                await work()
            except Exception:
                log.exception("starting to send the outbox: a step failed")

    def _step_down(self, why: str) -> None:
        if self.leading:
            log.warning("this process stops sending the outbox (%s); another one takes over", why)
        self._leading.clear()
        self._following.set()

    def _heard(self, priority: int, channel: str, chat_id: str) -> None:
        poke = self._channels.get(channel)
        if poke is not None and self.leading:
            poke(priority, chat_id)
