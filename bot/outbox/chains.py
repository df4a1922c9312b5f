"""Replies sent after the commit, outside the poll batch, one chat after another in order.

Long polling confirms a batch only once every update in it is committed; if it also waited for the
replies to be sent, the next batch would wait for the pacer, and the bot would reach only part of
Telegram's pace (62–72 % measured). So the engine's ``deliver`` only hands the committed replies'
ids to a chain of this chat: each chat's deliveries run one after another, in the order their
updates were committed, while the poll goes on. What a chain had not sent when the process stops
stays in the outbox, and the drainer sends it (at the next start, after a crash).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from storage.models import OutboxMessage

log = logging.getLogger(__name__)

Send = Callable[[list[int], datetime | None, dict[int, OutboxMessage] | None], Awaitable[None]]
Deliver = Callable[[list[int]], Awaitable[None]]


class ChatChains:
    """One chain of deliveries per chat; a chat's next delivery starts when its previous one ended."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def deliverer(
        self, chat: str, claimed_until: datetime | None = None, handed: dict[int, OutboxMessage] | None = None
    ) -> Deliver:
        """The engine's ``deliver`` for an update of ``chat`` (whose replies were queued claimed until
        ``claimed_until``, if given, and ``handed`` by the engine as queued): returns at once, the sending
        goes on."""

        async def deliver(ids: list[int]) -> None:
            self.add(chat, ids, claimed_until, handed)

        return deliver

    def add(
        self,
        chat: str,
        ids: list[int],
        claimed_until: datetime | None = None,
        handed: dict[int, OutboxMessage] | None = None,
    ) -> None:
        previous = self._tails.get(chat)
        task = asyncio.create_task(self._after(previous, ids, claimed_until, handed), name=f"replies-{chat}")
        self._tails[chat] = task
        self._running.add(task)
        task.add_done_callback(lambda done: self._forget(chat, done))

    async def _after(
        self,
        previous: asyncio.Task[None] | None,
        ids: list[int],
        claimed_until: datetime | None,
        handed: dict[int, OutboxMessage] | None,
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its failure is its own (logged there): ours still goes
        try:
            await self._send(ids, claimed_until, handed)
        except Exception:  # ``Delivery.deliver`` never raises; this only keeps a chain from breaking
            log.exception("replies %s could not be sent at once; the drainer sends them", ids)

    def _forget(self, chat: str, done: asyncio.Task[None]) -> None:
        self._running.discard(done)
        if self._tails.get(chat) is done:
            del self._tails[chat]

    async def finish(self, grace: float) -> None:
        """Let the chains end within ``grace`` seconds; cancel what is left (the drainer sends it later)."""
        running = list(self._running)
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
