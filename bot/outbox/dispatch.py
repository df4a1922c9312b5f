"""How the one sending process drains a channel's outbox (PostgreSQL; see ``bot/outbox/leader.py``).

Every chat with messages due gets a task of its own, which sends that chat's pending messages in the
order they were queued and ends when none is left: a chat paced at one message a second, or a group
at twenty a minute, never holds anyone else. Replies start their chat's task the moment PostgreSQL
announces them; bulk messages are found by a scan (on their announcement, and every
``poll_seconds``) and served a few chats at a time, so that they fill the pace that replies leave.
Nothing here waits for a round to end: a reply queued while thousands of notices are going out
takes the next free slot of the pace (``bot/outbox/pacing.py``).

Taking over from a sender that died: its claims are void (it held them alone), and the first message
waits one chat interval, so that the dead sender's last messages and ours never fall in one second.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.outbox.events import first_of
from bot.outbox.leader import Leadership
from bot.outbox.pacing import MARGIN, Pacer
from storage.models import REPLY, OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
CHAT_BATCH = 50
BULK_CHATS = 32
"""Chats served at once for bulk messages (replies are never held back by this)."""
SCAN_LIMIT = 2000
STOP_GRACE_SECONDS = 10.0


class Outcome(enum.Enum):
    DONE = "nothing left that we know of"
    MORE = "a full batch went: look again"
    WAIT = "the next message must wait (not due yet, failed for now, or the lead was lost)"


class Delivery(Protocol):
    """What the dispatcher asks of the outbox's delivery (``bot.outbox.delivery.Delivery``)."""

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def claim(self, ids: list[int]) -> dict[int, OutboxMessage]: ...
    async def send(self, row: OutboxMessage, priority: int | None = None) -> bool: ...
    async def fold(self, rows: Sequence[OutboxMessage]) -> set[int]: ...
    async def release(self, rows: list[OutboxMessage]) -> None: ...


class Dispatcher:
    def __init__(
        self,
        delivery: Delivery,
        leadership: Leadership,
        channel: str,
        clock: Callable[[], datetime],
        pacer: Pacer,
        poll_seconds: float,
    ) -> None:
        self._delivery = delivery
        self._leadership = leadership
        self._channel = channel
        self._clock = clock
        self._pacer = pacer
        self._poll_seconds = poll_seconds
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._bulk: set[str] = set()
        self._again: set[str] = set()
        self._wake = asyncio.Event()
        self._rescan = True
        self._truncated = False
        self._stopping = asyncio.Event()

    @property
    def sending(self) -> bool:
        return self._leadership.leading and not self._stopping.is_set()

    def poke(self, priority: int, chat_id: str) -> None:
        """A message was queued for ``chat_id``: a reply starts its chat's task now; bulk is left to the scan."""
        if not self.sending:
            return
        if priority > REPLY:
            self._rescan = True
            self._wake.set()
        elif chat_id in self._tasks:
            self._again.add(chat_id)
        else:
            self._start(chat_id, bulk=False)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        self._stopping = stopping
        while not stopping.is_set():
            await self._leadership.wait_leading(stopping)
            if stopping.is_set():
                return
            await self._lead(stopping)

    async def _lead(self, stopping: asyncio.Event) -> None:
        await self._take_over()
        backlog: list[tuple[str, bool]] = []
        loop = asyncio.get_running_loop()
        next_scan = 0.0
        try:
            while self.sending:
                wanting = not backlog and self._truncated and len(self._bulk) < BULK_CHATS
                if self._rescan or wanting or loop.time() >= next_scan:
                    self._rescan = False
                    backlog, wait = await self._scan()
                    next_scan = loop.time() + min(self._poll_seconds, self._poll_seconds if wait is None else wait)
                while backlog and (not backlog[0][1] or len(self._bulk) < BULK_CHATS):
                    chat_id, bulk = backlog.pop(0)
                    if chat_id not in self._tasks:
                        self._start(chat_id, bulk=bulk)
                self._wake.clear()
                timeout = max(0.01, next_scan - loop.time())
                await first_of(self._wake, stopping, self._leadership.not_leading, seconds=timeout)
        finally:
            await self._finish_tasks()

    async def _take_over(self) -> None:
        async with self._delivery.unit() as uow:
            await uow.outbox.release_claims(self._channel)  # the previous sender's: it is gone
            await uow.commit()
        self._pacer.hold(1.0 / (self._pacer.pace.per_chat_per_second * MARGIN))
        self._rescan = True

    async def _scan(self) -> tuple[list[tuple[str, bool]], float | None]:
        """The chats with a message due now, replies' chats first (chat id, bulk?), and the seconds until
        the next one that is not due yet."""
        now = self._clock()
        async with self._delivery.unit() as uow:
            rows = await uow.outbox.due(self._channel, now + timedelta(days=3650), limit=SCAN_LIMIT)
        self._truncated = len(rows) == SCAN_LIMIT
        heads: dict[str, OutboxMessage] = {}
        priority: dict[str, int] = {}
        for row in rows:
            heads.setdefault(row.chat_id, row)
            priority[row.chat_id] = min(priority.get(row.chat_id, row.priority), row.priority)
        backlog: list[tuple[str, bool]] = []
        wait: float | None = None
        for chat_id, head in heads.items():
            if head.due_at <= now:
                backlog.append((chat_id, priority[chat_id] > REPLY))
            else:
                seconds = (head.due_at - now).total_seconds()
                wait = seconds if wait is None else min(wait, seconds)
        backlog.sort(key=lambda chat: chat[1])  # stable: replies' chats first, then as the query ordered
        return [chat for chat in backlog if chat[0] not in self._tasks], wait

    def _start(self, chat_id: str, *, bulk: bool) -> None:
        task = asyncio.create_task(self._serve(chat_id), name=f"outbox-{self._channel}-{chat_id}")
        self._tasks[chat_id] = task
        if bulk:
            self._bulk.add(chat_id)
        task.add_done_callback(lambda _: self._ended(chat_id))

    def _ended(self, chat_id: str) -> None:
        self._tasks.pop(chat_id, None)
        self._bulk.discard(chat_id)
        if chat_id in self._again and self.sending:  # a reply came between its last look and its end
            self._again.discard(chat_id)
            self._start(chat_id, bulk=False)
        self._wake.set()

    async def _serve(self, chat_id: str) -> None:
        try:
            while self.sending:
                self._again.discard(chat_id)
                outcome = await self._send_batch(chat_id)
                if outcome is Outcome.MORE or (outcome is Outcome.DONE and chat_id in self._again):
                    continue
                return
        except Exception:
            log.exception("sending to chat %s failed; the scan comes back to it", chat_id)
            self._rescan = True

    async def _send_batch(self, chat_id: str) -> Outcome:
        """This chat's due messages, in order, up to the first that must wait."""
        now = self._clock()
        async with self._delivery.unit() as uow:
            rows = list(await uow.outbox.of_chat(self._channel, chat_id, CHAT_BATCH))
        if not rows:
            return Outcome.DONE
        full = len(rows) == CHAT_BATCH
        due: list[OutboxMessage] = []
        for row in rows:
            if row.due_at > now or (row.claimed_until is not None and row.claimed_until > now):
                break
            due.append(row)
        if not due:
            self._rescan = True  # the scan knows when the first of them is due
            return Outcome.WAIT
        claimed = await self._delivery.claim([row.id for row in due])
        position = 0
        while position < len(due):
            mine = claimed.get(due[position].id)
            if mine is not None:
                folded = await self._delivery.fold(
                    [claimed[row.id] for row in itertools.takewhile(lambda r: r.id in claimed, due[position:])]
                )
                due = [row for row in due if row.id not in folded]
                rows = [row for row in rows if row.id not in folded]
            priority = min(later.priority for later in rows[position:])
            if mine is None or not self.sending or not await self._delivery.send(mine, priority):
                await self._delivery.release(
                    [claimed[later.id] for later in due[position + 1 :] if later.id in claimed]
                )
                if mine is not None and not self.sending:
                    await self._delivery.release([mine])  # the lead went before it was sent
                self._rescan = True
                return Outcome.WAIT
            position += 1
        if full:
            return Outcome.MORE
        return Outcome.DONE if len(due) == len(rows) else Outcome.WAIT

    async def _finish_tasks(self) -> None:
        """Let each chat's task end its message in hand (it sends nothing more), then forget them."""
        tasks = list(self._tasks.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._tasks.clear()
        self._bulk.clear()
        self._again.clear()
