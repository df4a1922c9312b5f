"""The outbox sender: delivers owed messages in order per chat, at Telegram's pace, and never twice.

A sender first claims a message (so that two workers never send the same one), sends it,
then deletes it. A message that fails for a passing reason (network, 5xx, timeout) is
rescheduled with backoff; a 429 waits ``retry_after``; one whose person blocked the bot is
marked ``undeliverable`` and one the channel rejects ``failed`` — neither is retried.

The one window no client can close: a crash after Telegram accepted a message and before
its row was deleted sends it again at the next start (Telegram has no idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.pacing import Pacer
from bot.sending import BadMessage, RetryAfter, Sender, Sent, Temporary, Unreachable
from handlers.messages import Outgoing
from storage.models import GroupMessageLink, OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_INLINE_WAIT = 30.0
MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 20
CLAIM = timedelta(seconds=30)
DRAIN_CONCURRENCY = 32


class Delivery:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        sender: Sender,
        channel: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pacer: Pacer | None = None,
        *,
        sole_sender: bool = False,
        poll_seconds: float = 2.0,
    ) -> None:
        self._uow = uow_factory
        self._sender = sender
        self._channel = channel
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._wake = asyncio.Event()
        self._sole_sender = sole_sender  # SQLite: one process sends, so claims left by a crash are stale
        self._poll_seconds = poll_seconds

    async def deliver(self, ids: list[int]) -> None:
        """Send these outbox messages now, in order; leave the rest to the drainer at the first
        that has to wait, so that a chat's messages never overtake each other."""
        claimed = await self._claim(ids)
        for position, message_id in enumerate(ids):
            row = claimed.get(message_id)
            if row is None or not await self._send(row):
                await self._release([i for i in ids[position + 1 :] if i in claimed])
                self._wake.set()
                return

    async def _claim(self, ids: list[int]) -> dict[int, OutboxMessage]:
        """Claim in one transaction, so that no other sender (task or worker) sends the same message."""
        now = self._clock()
        async with self._uow() as uow:
            claimed = await uow.outbox.claim(ids, now, now + CLAIM)
            await uow.commit()
            return claimed

    async def _send(self, row: OutboxMessage) -> bool:
        message = Outgoing.from_json(row.payload)
        while True:
            await self._pacer.wait_turn(row.chat_id)
            try:
                sent = await self._sender.send(message)
            except RetryAfter as wait:
                if wait.seconds > MAX_INLINE_WAIT:
                    await self._reschedule(row, timedelta(seconds=wait.seconds), str(wait))
                    return False
                log.warning("flood limit: waiting %.0f s before chat %s", wait.seconds, row.chat_id)
                await asyncio.sleep(wait.seconds)
                continue
            except Temporary as error:
                await self._reschedule(row, _backoff(row.attempts), str(error))
                return False
            except Unreachable as error:
                await self._finish(row.id, "undeliverable", str(error))
                return True
            except BadMessage as error:
                log.error("message %s refused by the channel: %s", row.id, error)
                await self._finish(row.id, "failed", str(error))
                return True
            await self._finish(row.id, None, "", _links(message, sent))
            return True

    async def _finish(
        self, message_id: int, status: str | None, error: str, links: list[GroupMessageLink] | None = None
    ) -> None:
        async with self._uow() as uow:
            for link in links or []:
                await uow.group_links.add(link)
            if status is None:
                await uow.outbox.delivered(message_id)
            else:
                await uow.outbox.give_up(message_id, status, error)
            await uow.commit()

    async def _reschedule(self, row: OutboxMessage, delay: timedelta, error: str) -> None:
        async with self._uow() as uow:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await uow.outbox.give_up(row.id, "failed", error)
            else:
                await uow.outbox.retry_later(row.id, self._clock() + delay, error)
            await uow.commit()

    async def drain_once(self) -> float | None:
        """Send every pending message that is due: chats side by side, each chat in order.
        Returns the seconds until the next one is due (None when nothing waits)."""
        now = self._clock()
        async with self._uow() as uow:
            due = await uow.outbox.due(self._channel, now + timedelta(days=3650), limit=2000)
        claimed = await self._claim([row.id for row in due if row.due_at <= now])
        by_chat: dict[int, list[tuple[OutboxMessage, bool]]] = {}
        for row in due:
            by_chat.setdefault(row.chat_id, []).append((claimed.get(row.id, row), row.id in claimed))
        gate = asyncio.Semaphore(DRAIN_CONCURRENCY)
        waits = await asyncio.gather(*(self._drain_chat(chat_rows, now, gate) for chat_rows in by_chat.values()))
        pending = [wait for wait in waits if wait is not None]
        return min(pending) if pending else None

    async def _release(self, ids: list[int]) -> None:
        if ids:
            async with self._uow() as uow:
                await uow.outbox.release(ids)
                await uow.commit()

    async def _drain_chat(
        self, rows: list[tuple[OutboxMessage, bool]], now: datetime, gate: asyncio.Semaphore
    ) -> float | None:
        """Send one chat's messages in order; stop at the first that must wait, or that another
        sender holds (a chat's messages never overtake each other). Claims not used expire."""
        async with gate:
            for position, (row, ours) in enumerate(rows):
                wait = (row.due_at - now).total_seconds() if row.due_at > now else None
                if wait is None and ours and await self._send(row):
                    continue
                await self._release([later.id for later, mine in rows[position + 1 :] if mine])
                return wait if wait is not None else 0.5
        return None

    async def release_stale_claims(self) -> None:
        if self._sole_sender:
            async with self._uow() as uow:
                await uow.outbox.release_claims()
                await uow.commit()

    async def run(self) -> None:
        """Drain forever: at start (what a crash left behind), on wake-ups and periodically
        (messages written by other processes, such as ``cocrea answers import``)."""
        await self.release_stale_claims()
        idle_seconds = self._poll_seconds
        while True:
            try:
                wait = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed; retrying shortly")
                wait = 1.0
            self._wake.clear()
            timeout = idle_seconds if wait is None else min(max(wait, 0.05), idle_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


def _links(message: Outgoing, sent: Sent | None) -> list[GroupMessageLink]:
    """What later replies to this message refer to. A new forum topic's first message is linked
    too: a moderator who writes in the topic replies to it (Telegram's way)."""
    link = message.link
    if link is None or sent is None:
        return []
    proposal_id, participant_id = link.get("proposal_id"), link.get("participant_id")
    thread_id = sent.thread_id if sent.thread_id is not None else message.thread_id
    ids = [sent.message_id] + ([thread_id] if message.topic and thread_id is not None else [])
    return [GroupMessageLink(
        chat_id=message.chat_id, message_id=message_id,
        proposal_id=proposal_id if isinstance(proposal_id, int) else None,
        participant_id=participant_id if isinstance(participant_id, int) else None,
        thread_id=thread_id, purpose=str(link.get("purpose", "card")),
    ) for message_id in ids]


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)
