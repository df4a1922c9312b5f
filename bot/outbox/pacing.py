"""Sending pace: a channel allows so many messages a second in all, about one a second per person
(short bursts tolerated) and fewer per group (Telegram: 30/s, 1/s, 20/min). Going faster earns 429s.

Each limit is a GCRA bucket: a call reserves the next free slot at once (no await in
between), so concurrent senders never share a slot, then sleeps until it comes. Messages
spaced evenly here can still reach the channel bunched together (network jitter), so the
pacer keeps ``MARGIN`` below the configured limits.

Spacing evenly is not enough where the channel counts: requests sent evenly can reach it bunched (a
stalled network, a busy machine). So a message sent through ``turn`` also takes a place in a
``Window``: it goes only once the message sent ``limit`` places before it was *answered* at least a
second ago (the even spacing keeps its margin; the window is the hard bound), and the chat's next
message waits one interval from the moment this one was answered. The channel counts each message
somewhere between our request and its answer, so no second of its clock holds more than the limit,
in all or for one chat, whatever the network does.

Replies go first: a reply (``REPLY``) reserves the next free slot of the channel's pace at once,
while a bulk message queues behind the other bulk messages and takes a slot only when it comes within
one interval — so bulk books at most one slot ahead, and a reply arriving during a bulk run waits at
most a slot or two, however long the bulk queue.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.outbox.sending import Pace
from storage.models import REPLY

MARGIN = 0.9
TELEGRAM_PACE = Pace()


class Bucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(burst, 1) - 1) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next message

    def reserve(self, now: float) -> float:
        """Take the next slot; returns how long to wait for it."""
        tat = max(self.tat, now)
        wait = max(0.0, tat - self.tolerance - now)
        self.tat = tat + self.interval
        return wait

    def reserve_if_next(self, now: float) -> float | None:
        """Take the next slot only if it comes within one interval (returns how long to wait for it); None
        when slots are booked further ahead. So at most one slot is booked ahead, and no delay adds up."""
        wait = max(0.0, self.tat - self.tolerance - now)
        if wait > self.interval:
            return None
        return self.reserve(now)

    def after(self, moment: float) -> None:
        """A message went at ``moment`` (its answer came back): the next one waits at least one interval from
        then, whatever the slot it had reserved (a slow global turn or network jitter cannot bunch them)."""
        self.tat = max(self.tat, moment + self.interval)

    def idle(self, now: float) -> bool:
        return self.tat <= now


@dataclass
class Ticket:
    """A message's place in the window; closed when the channel answered it."""

    answered_at: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def close(self, moment: float) -> None:
        if self.answered_at is None:
            self.answered_at = moment
            self.answered.set()


class Window:
    """At most ``size`` messages in any ``seconds`` as the channel counts them (see the module's docstring)."""

    def __init__(
        self, size: int, seconds: float, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        self._size = max(1, size)
        self._seconds = seconds
        self._clock = clock
        self._sleep = sleep
        self._recent: deque[Ticket] = deque()

    async def enter(self) -> Ticket:
        while len(self._recent) >= self._size:
            oldest = self._recent[0]
            if oldest.answered_at is None:
                await oldest.answered.wait()
                continue
            delay = oldest.answered_at + self._seconds - self._clock()
            if delay > 0:
                await self._sleep(delay)
                continue
            self._recent.popleft()
        ticket = Ticket()
        self._recent.append(ticket)
        return ticket


class Pacer:
    def __init__(
        self,
        pace: Pace = TELEGRAM_PACE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pace = pace
        self._clock = clock
        self._sleep = sleep
        self._global = Bucket(pace.per_second * MARGIN, 1)  # evenly spaced, a little under the limit
        self._chats: dict[str, Bucket] = {}
        self._bulk = asyncio.Lock()  # bulk messages wait for the channel's pace one at a time, in order
        self._window = Window(math.floor(pace.per_second), 1.0, clock, sleep)  # the limit itself: a hard bound

    def hold(self, seconds: float) -> None:
        """Nobody's next message before ``seconds`` from now (the channel said we went too fast)."""
        self._global.tat = max(self._global.tat, self._clock() + seconds)

    async def wait_turn(self, chat_id: str, *, group: bool = False, priority: int = REPLY) -> None:
        await self._wait(self._chat_bucket(chat_id, group))
        if priority <= REPLY:
            await self._wait(self._global)
            return
        async with self._bulk:
            while (delay := self._global.reserve_if_next(self._clock())) is None:
                await self._sleep(self._global.interval)
            if delay > 0:
                await self._sleep(delay)

    def busy(self, chat_id: str) -> bool:
        """Whether the chat's next message would have to wait for its pace (a group's 20 a minute)."""
        bucket = self._chats.get(chat_id)
        return bucket is not None and bucket.tat - bucket.tolerance > self._clock()

    @asynccontextmanager
    async def turn(self, chat_id: str, *, group: bool = False, priority: int = REPLY) -> AsyncIterator[None]:
        """``async with pacer.turn(chat): send`` — the message's turn, and its place in the window until the
        channel answered (or the request failed)."""
        await self.wait_turn(chat_id, group=group, priority=priority)
        ticket = await self._window.enter()
        try:
            yield
        finally:
            now = self._clock()
            ticket.close(now)
            self._chat_bucket(chat_id, group).after(now)

    async def _wait(self, bucket: Bucket) -> None:
        delay = bucket.reserve(self._clock())
        if delay > 0:
            await self._sleep(delay)

    def _chat_bucket(self, chat_id: str, group: bool) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._forget_idle()
            pace = self.pace
            rate = pace.per_group_per_minute / 60.0 if group else pace.per_chat_per_second
            bucket = Bucket(rate * MARGIN, pace.chat_burst)
            self._chats[chat_id] = bucket
        return bucket

    def _forget_idle(self) -> None:
        now = self._clock()
        self._chats = {chat: bucket for chat, bucket in self._chats.items() if not bucket.idle(now)}
