"""The outbox sender: delivers owed messages in order per chat, at the channel's pace, and never twice.

A sender first claims a message (so that two workers never send the same one), sends it,
then deletes it — or, on a channel that reports delivery and reading, keeps it as ``sent`` for
those receipts. A message that fails for a passing reason (network, 5xx, timeout) is
rescheduled with backoff; a 429 waits ``retry_after`` (this chat's, or everyone's turn); one
whose person blocked the bot is marked ``undeliverable`` and one the channel rejects ``failed``
— neither is retried; one the channel may not deliver now (WhatsApp's closed 24-hour window)
``waiting`` until the person writes again (the engine then releases it).

What a sent message refers to (a card, a question) is recorded by the handlers' ``AfterSend``
with the deletion, so the sender itself only sends and reports what was sent.

The one window no client can close: a crash after the channel accepted a message and before
its row was deleted sends it again at the next start (Telegram has no idempotency key).

On PostgreSQL, ``share`` hands sending to the one process that holds the sender's lock
(``bot/outbox/leader.py``, ``bot/outbox/dispatch.py``): then ``deliver`` leaves the replies to it,
and ``run`` sends only while this process holds the lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.outbox.dispatch import Dispatcher
from bot.outbox.events import first_of
from bot.outbox.leader import Leadership
from bot.outbox.pacing import Pacer
from bot.outbox.sending import BadMessage, RetryAfter, Sender, Temporary, Unreachable, WaitForPerson
from handlers.messages import Outgoing, Sent
from storage.models import OutboxMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory

AfterSend = Callable[[UnitOfWork, Outgoing, Sent], Awaitable[None]]


class Fold(Protocol):
    """Folds messages waiting for a group's pace into one (new proposals' cards into a digest)."""

    most: int

    def foldable(self, message: Outgoing) -> bool: ...
    def __call__(self, messages: Sequence[Outgoing]) -> Outgoing: ...


log = logging.getLogger(__name__)
MAX_INLINE_WAIT = 30.0
MAX_INLINE_RETRIES = 5
MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 20
CLAIM = timedelta(seconds=120)
RENEW_BEFORE = timedelta(seconds=60)
"""A claim that lapses sooner than this is renewed before sending: only a live claim's holder sends, and a
send (whose request times out after 30 s) always ends before the claim lapses."""
DRAIN_CONCURRENCY = 32
SENDER_CONNECTIONS = 3
RECORDING_CONNECTIONS = 2
RECORD_PAUSES = (0.1, 0.3, 1.0, 3.0, 10.0)
"""Between tries to record a sent message (about 15 s in all, well inside the claim)."""


class Delivery:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sender: Sender,
        channel: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pacer: Pacer | None = None,
        *,
        after_send: AfterSend | None = None,
        sole_sender: bool = False,
        poll_seconds: float = 2.0,
        receipts: bool = False,
        elsewhere: Callable[[], None] = lambda: None,
        fold: Fold | None = None,
    ) -> None:
        self._uow = uow_factory
        self._sender = sender
        self._channel = channel
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._after_send = after_send
        self._wake = asyncio.Event()
        self._sole_sender = sole_sender  # SQLite: one process sends, so claims left by a crash are stale
        self._poll_seconds = poll_seconds
        self._receipts = receipts  # the channel reports delivery and reading: keep sent rows for it
        self._elsewhere = elsewhere  # wakes the other channels' senders
        self._fold = fold
        self._dispatcher: Dispatcher | None = None
        self._gate: asyncio.Semaphore | None = None
        self._recording: asyncio.Semaphore | None = None

    def share(self, leadership: Leadership) -> None:
        """Send only while this process holds the sender's lead, as its dispatcher (several workers)."""
        self._dispatcher = Dispatcher(self, leadership, self._channel, self._clock, self._pacer, self._poll_seconds)
        self._gate = asyncio.Semaphore(SENDER_CONNECTIONS)
        self._recording = asyncio.Semaphore(RECORDING_CONNECTIONS)
        leadership.follow(self._channel, self._dispatcher.poke)

    @asynccontextmanager
    async def unit(self, *, recording: bool = False) -> AsyncIterator[UnitOfWork]:
        """A unit of work for the sender's bookkeeping. Shared (the sending worker serves hundreds of chats at
        once), at most ``SENDER_CONNECTIONS`` of them at a time, so that the worker's engine keeps the rest of
        the pool and a busy outbox never makes the updates wait for a connection. ``recording`` what the
        channel answered has connections of its own: it never queues behind the next claims, which keeps
        short the moment when a message is sent but not yet recorded (what a crash sends twice)."""
        gate = self._recording if recording else self._gate
        if gate is None:
            async with self._uow() as uow:
                yield uow
            return
        async with gate, self._uow() as uow:
            yield uow

    def claim_ahead(self) -> datetime | None:
        """The claim with which the engine may queue the replies it hands to ``deliver`` (no write to claim
        them then): only where this process alone sends (SQLite); None elsewhere."""
        if self._dispatcher is not None or not self._sole_sender:
            return None
        return self._clock() + CLAIM

    async def deliver(
        self, ids: list[int], claimed_until: datetime | None = None, handed: dict[int, OutboxMessage] | None = None
    ) -> None:
        """Send these outbox messages now, in order; leave the rest to the drainer at the first
        that has to wait, so that a chat's messages never overtake each other. Messages for another
        channel (a WhatsApp author's answer for the Telegram moderators) are that channel's: woken.
        ``claimed_until``: they were queued already claimed with ``claim_ahead()``'s claim; ``handed``: the
        engine gave those rows as it queued them (``Engine.handle``), so they are not read back.
        Shared (several workers): nothing to do, the sending process has heard of them."""
        if self._dispatcher is not None:
            return
        try:
            await self._deliver(ids, claimed_until, handed)
        except Exception:  # the event is processed and committed: what it owes is the drainer's now
            log.exception("replies %s could not be sent at once; the drainer sends them", ids)
            self._wake.set()

    async def _deliver(
        self, ids: list[int], claimed_until: datetime | None, handed: dict[int, OutboxMessage] | None
    ) -> None:
        if claimed_until is None:
            claimed, foreign = await self._claim_own(ids)
        elif handed:
            claimed, foreign = _handed(ids, claimed_until, handed), set()
        else:
            claimed, foreign = await self._held(ids, claimed_until)
        if foreign:
            self._elsewhere()
        own = [i for i in ids if i not in foreign]
        for position, message_id in enumerate(own):
            row = claimed.get(message_id)
            if row is None or not await self.send(row):
                await self.release([claimed[i] for i in own[position + 1 :] if i in claimed])
                self._wake.set()
                return

    async def _claim_own(self, ids: list[int]) -> tuple[dict[int, OutboxMessage], set[int]]:
        """Claim this channel's in one transaction, so that no other sender (task or worker) sends
        the same message; also says which of ``ids`` belong to other channels."""
        now = self._clock()
        async with self.unit() as uow:
            claimed = await uow.outbox.claim(ids, now, now + CLAIM, self._channel)
            foreign = await uow.outbox.of_other_channels([i for i in ids if i not in claimed], self._channel)
            await uow.commit()
            return claimed, foreign

    async def _held(self, ids: list[int], until: datetime) -> tuple[dict[int, OutboxMessage], set[int]]:
        """Queued already claimed by us: read them (a message that waited for its person is not among them, and
        neither is what follows it: the drainer sends those, in order)."""
        async with self._uow.reading() as uow:
            return await uow.outbox.held(ids, until), set()

    async def claim(self, ids: list[int]) -> dict[int, OutboxMessage]:
        now = self._clock()
        async with self.unit() as uow:
            claimed = await uow.outbox.claim(ids, now, now + CLAIM, self._channel)
            await uow.commit()
            return claimed

    async def fold(self, rows: Sequence[OutboxMessage]) -> set[int]:
        """``rows``: one chat's next messages, claimed by us, due, in order. When the chat is a group whose pace
        is taken and they start with several foldable messages, the first of these becomes their digest and
        the others are deleted, in one transaction; returns the ids deleted. With the pace free, the first
        goes as it is (a card posted at once), and only those behind it are folded."""
        if self._fold is None or len(rows) < 2 or not self._sender.is_group(rows[0].chat_id):
            return set()
        head: list[tuple[OutboxMessage, Outgoing]] = []
        for row in rows[: self._fold.most + 1]:
            message = Outgoing.from_json(row.payload)
            if not self._fold.foldable(message):
                break
            head.append((row, message))
        if not self._pacer.busy(rows[0].chat_id):
            head = head[1:]
        head = head[: self._fold.most]
        if len(head) < 2:
            return set()
        first = head[0][0]
        payload = self._fold([message for _, message in head]).to_json()
        others = [row.id for row, _ in head[1:]]
        async with self.unit(recording=True) as uow:
            if not await uow.outbox.fold((first.id, first.claimed_until), payload, others):
                return set()  # a claim lapsed meanwhile: nothing changes (rolled back)
            await uow.commit()
        first.payload = payload
        log.info("%d messages to %s folded into one (its pace is taken)", len(head), first.chat_id)
        return set(others)

    async def send(self, row: OutboxMessage, priority: int | None = None) -> bool:
        """Send ``row`` at the pace; ``priority`` (default the row's): a bulk message that a reply of its chat
        waits behind goes as a reply. True when the message is settled; never raises: a failure before the
        channel took the message gives its claim back (it goes in a later round), never holds it."""
        try:
            return await self._send(row, priority)
        except Exception:
            log.exception("message %s could not be sent now; it goes in a later round", row.id)
            with contextlib.suppress(Exception):
                await self.release([row])
            return False

    async def _send(self, row: OutboxMessage, priority: int | None) -> bool:
        message = Outgoing.from_json(row.payload)
        group = self._sender.is_group(row.chat_id)
        for inline_retry in range(MAX_INLINE_RETRIES + 1):
            outcome = await self._attempt(row, message, group, row.priority if priority is None else priority)
            if outcome is None:
                log.info("message %s was taken by another sender after our claim lapsed; leaving it", row.id)
                return False
            if isinstance(outcome, Sent):
                await self._record_sent(row, message, outcome)
                return True
            if isinstance(outcome, RetryAfter):
                if outcome.seconds > MAX_INLINE_WAIT or inline_retry == MAX_INLINE_RETRIES:
                    await self._reschedule(row, timedelta(seconds=outcome.seconds), str(outcome))
                    return False
                log.warning(
                    "flood limit: waiting %.1f s before %s",
                    outcome.seconds,
                    "anyone" if outcome.everyone else "this chat",
                )
                if outcome.everyone:
                    self._pacer.hold(outcome.seconds)  # every chat's next turn waits, this one's too
                else:
                    await asyncio.sleep(outcome.seconds)
                continue
            return await self._failed(row, outcome)
        return False  # not reached: the last retry reschedules

    async def _attempt(
        self, row: OutboxMessage, message: Outgoing, group: bool, priority: int
    ) -> Sent | Exception | None:
        """One request at the pace: what the channel answered, what it raised, or None when the message is no
        longer ours. Only the request itself holds the pacer's turn."""
        async with self._pacer.turn(row.chat_id, group=group, priority=priority):
            if not await self._still_ours(row):
                return None
            try:
                return await self._sender.send(message, str(row.id))
            except Exception as error:
                return error

    async def _failed(self, row: OutboxMessage, error: Exception) -> bool:
        """After a failed request: True when the message is settled (waits for its person, or given up)."""
        if isinstance(error, WaitForPerson):
            await self._wait_for_person(row.id, str(error))
            return True
        if isinstance(error, Temporary):
            await self._reschedule(row, _backoff(row.attempts), str(error))
            return False
        if isinstance(error, Unreachable):
            await self._finish(row.id, "undeliverable", str(error))
            return True
        if isinstance(error, BadMessage):
            log.error("message %s refused by the channel: %s", row.id, error)
            await self._finish(row.id, "failed", str(error))
            return True
        # what no sender classified: a passing failure until it proves otherwise
        log.error("message %s: unexpected failure; retrying later", row.id, exc_info=error)
        await self._reschedule(row, _backoff(row.attempts), f"{type(error).__name__}: {error}")
        return False

    async def _record_sent(self, row: OutboxMessage, message: Outgoing, sent: Sent) -> None:
        """The channel took the message: record it, trying again while the database cannot take it (the claim
        keeps it ours meanwhile). Given back, it would go twice; so if recording never works, the claim stays
        and lapses: then it goes again, the window of a crash (at least once, never lost)."""
        for pause in RECORD_PAUSES:
            try:
                await self._finish(row.id, None, "", (message, sent))
                return
            except Exception as error:
                log.warning("message %s was sent but not yet recorded (%s); trying again", row.id, error)
                await asyncio.sleep(pause)
        try:
            await self._finish(row.id, None, "", (message, sent))
        except Exception:
            log.exception("message %s was sent but could not be recorded; it may go again", row.id)

    async def _wait_for_person(self, message_id: int, reason: str) -> None:
        async with self.unit(recording=True) as uow:
            await uow.outbox.wait_for_person(message_id, reason)
            await uow.commit()

    async def _still_ours(self, row: OutboxMessage) -> bool:
        """True when our claim on ``row`` is alive for a while yet (renewing it if it lapses soon)."""
        now = self._clock()
        held = row.claimed_until
        if held is not None and held - now > RENEW_BEFORE:
            return True
        if held is None:
            return False
        async with self.unit() as uow:
            renewed = await uow.outbox.renew(row.id, held, now + CLAIM)
            await uow.commit()
        if renewed:
            row.claimed_until = now + CLAIM
        return renewed

    async def _finish(
        self, message_id: int, status: str | None, error: str, sent: tuple[Outgoing, Sent] | None = None
    ) -> None:
        async with self.unit(recording=True) as uow:
            if sent is not None and self._after_send is not None:
                await self._after_send(uow, *sent)
            if status is None and not self._receipts and await uow.delivered_alone(message_id):
                return
            if status is None and self._receipts:
                await uow.outbox.sent(message_id, sent[1].message_id if sent else None, self._clock())
            elif status is None:
                await uow.outbox.delivered(message_id)
            else:
                await uow.outbox.give_up(message_id, status, error)
            await uow.commit()

    async def _reschedule(self, row: OutboxMessage, delay: timedelta, error: str) -> None:
        async with self.unit(recording=True) as uow:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await uow.outbox.give_up(row.id, "failed", error)
            else:
                await uow.outbox.retry_later(row.id, self._clock() + delay, error)
            await uow.commit()

    async def drain_once(self) -> float | None:
        """Send every pending message that is due: chats side by side, each chat in order.
        Returns the seconds until the next one is due (None when nothing waits)."""
        now = self._clock()
        async with self.unit() as uow:
            due = await uow.outbox.due(self._channel, now + timedelta(days=3650), limit=2000)
        claimed = await self.claim([row.id for row in due if row.due_at <= now])
        by_chat: dict[str, list[tuple[OutboxMessage, bool]]] = {}
        for row in due:
            by_chat.setdefault(row.chat_id, []).append((claimed.get(row.id, row), row.id in claimed))
        gate = asyncio.Semaphore(DRAIN_CONCURRENCY)
        waits = await asyncio.gather(*(self._drain_chat(chat_rows, now, gate) for chat_rows in by_chat.values()))
        pending = [wait for wait in waits if wait is not None]
        return min(pending) if pending else None

    async def release(self, rows: list[OutboxMessage]) -> None:
        if rows:
            async with self.unit() as uow:
                await uow.outbox.release([(row.id, row.claimed_until) for row in rows])
                await uow.commit()

    async def _drain_chat(
        self, rows: list[tuple[OutboxMessage, bool]], now: datetime, gate: asyncio.Semaphore
    ) -> float | None:
        """Send one chat's messages in order; stop at the first that must wait, or that another
        sender holds (a chat's messages never overtake each other). Claims not used expire."""
        async with gate:
            position = 0
            while position < len(rows):
                row, ours = rows[position]
                wait = (row.due_at - now).total_seconds() if row.due_at > now else None
                if wait is None and ours:
                    rows = await self._fold_from(rows, position, now)
                    priority = min(later.priority for later, _ in rows[position:])
                    if await self.send(row, priority):
                        position += 1
                        continue
                # this row too when it is not due yet: the list was read before the claim, and an id SQLite
                # reused meanwhile (a sent row deleted, a new reply inserted) can be claimed here early
                held = rows[position + 1 :] if ours and wait is None else rows[position:]
                await self.release([later for later, mine in held if mine])
                return wait if wait is not None else 0.5
        return None

    async def _fold_from(
        self, rows: list[tuple[OutboxMessage, bool]], position: int, now: datetime
    ) -> list[tuple[OutboxMessage, bool]]:
        """``rows`` with those from ``position`` on folded into it where they can be (``fold``)."""
        ready = itertools.takewhile(lambda pair: pair[1] and pair[0].due_at <= now, rows[position:])
        folded = await self.fold([row for row, _ in ready])
        if not folded:
            return rows
        return rows[:position] + [(row, ours) for row, ours in rows[position:] if row.id not in folded]

    async def release_stale_claims(self) -> None:
        if self._sole_sender:
            async with self.unit() as uow:
                await uow.outbox.release_claims(self._channel)
                await uow.commit()

    async def run(self, stopping: asyncio.Event | None = None) -> None:
        """Drain until ``stopping`` is set: at start (what a crash left behind), on wake-ups and
        periodically (messages written by other processes, such as ``cocrea answers import``).
        It stops between two rounds, never in the middle of a database call."""
        stopping = stopping or asyncio.Event()
        if self._dispatcher is not None:
            await self._dispatcher.run(stopping)
            return
        await self.release_stale_claims()
        idle_seconds = self._poll_seconds
        while not stopping.is_set():
            try:
                wait = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed; retrying shortly")
                wait = 1.0
            self._wake.clear()
            timeout = idle_seconds if wait is None else min(max(wait, 0.05), idle_seconds)
            await first_of(self._wake, stopping, seconds=timeout)

    def wake(self) -> None:
        self._wake.set()
        if self._dispatcher is not None:
            self._dispatcher.wake()


def _handed(ids: list[int], until: datetime, handed: dict[int, OutboxMessage]) -> dict[int, OutboxMessage]:
    """What ``_held`` would read back, from the rows the engine queued: those claimed until ``until`` (a message
    released for its person is not among them, and what follows it then goes with the drainer)."""
    return {i: handed[i] for i in ids if i in handed and handed[i].claimed_until == until}


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)
