"""The outbox sender: delivers owed messages, in order per chat, and never twice.

A message is deleted from the outbox right after the channel accepted it; one
that fails for a passing reason is rescheduled with backoff, one whose person
blocked the bot is marked ``undeliverable``, one the channel rejects ``failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.sending import BadMessage, RetryAfter, Sender, Temporary, Unreachable
from handlers.messages import Outgoing
from storage.models import GroupMessageLink, OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_INLINE_WAIT = 30.0
MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 20
INLINE_GRACE = timedelta(seconds=30)


class Delivery:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        sender: Sender,
        channel: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow_factory
        self._sender = sender
        self._channel = channel
        self._clock = clock
        self._in_flight: set[int] = set()
        self._handed_over: set[int] = set()  # fresh rows that inline delivery left to the drainer
        self._wake = asyncio.Event()

    async def deliver(self, ids: list[int]) -> None:
        """Send these outbox messages now, in order; stop at the first that must wait."""
        for position, message_id in enumerate(ids):
            if not await self._deliver_id(message_id):
                self._handed_over.update(ids[position:])
                self._wake.set()
                return

    async def _deliver_id(self, message_id: int) -> bool:
        if message_id in self._in_flight:
            return False
        self._in_flight.add(message_id)
        try:
            async with self._uow() as uow:
                row = await uow.outbox.get(message_id)
            done = row is None or row.status != "pending" or await self._send(row)
            if done:
                self._handed_over.discard(message_id)
            return done
        finally:
            self._in_flight.discard(message_id)

    async def _send(self, row: OutboxMessage) -> bool:
        message = Outgoing.from_json(row.payload)
        while True:
            try:
                sent_id = await self._sender.send(message)
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
            await self._finish(row.id, None, "", _link(message, sent_id))
            return True

    async def _finish(
        self, message_id: int, status: str | None, error: str, link: GroupMessageLink | None = None
    ) -> None:
        async with self._uow() as uow:
            if link is not None:
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

    async def drain_once(self, min_age: timedelta = timedelta(0)) -> float | None:
        """Send every pending message older than ``min_age``, chat by chat in order.

        Returns seconds until the next one is due. Younger messages belong to the
        inline delivery of the update that wrote them."""
        async with self._uow() as uow:
            pending = await uow.outbox.due(self._channel, self._clock() + timedelta(days=3650), limit=500)
        cutoff = self._clock() - min_age
        rows = [r for r in pending if r.attempts or r.created_at <= cutoff or r.id in self._handed_over]
        blocked: set[int] = set()
        next_due: float | None = None
        now = self._clock()
        for row in rows:
            if row.chat_id in blocked:
                continue
            if row.due_at > now:
                blocked.add(row.chat_id)
                wait = (row.due_at - now).total_seconds()
                next_due = wait if next_due is None else min(next_due, wait)
                continue
            if not await self._deliver_id(row.id):
                blocked.add(row.chat_id)
                next_due = 0.5 if next_due is None else min(next_due, 0.5)
        return next_due

    async def run(self, idle_seconds: float = 5.0) -> None:
        """Drain forever: at start everything a crash left behind, then periodically and on
        wake-ups the messages that inline delivery could not send."""
        min_age = timedelta(0)
        while True:
            try:
                wait = await self.drain_once(min_age)
                min_age = INLINE_GRACE
            except Exception:
                log.exception("outbox drain failed; retrying shortly")
                wait = 1.0
            self._wake.clear()
            timeout = idle_seconds if wait is None else min(max(wait, 0.05), idle_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


def _link(message: Outgoing, sent_id: int | None) -> GroupMessageLink | None:
    if message.link is None or sent_id is None:
        return None
    return GroupMessageLink(
        chat_id=message.chat_id, message_id=sent_id, proposal_id=message.link.get("proposal_id"),
        participant_id=message.link.get("participant_id"), thread_id=message.thread_id,
    )


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)
