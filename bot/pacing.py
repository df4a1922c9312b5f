"""Sending pace: Telegram allows about 30 messages a second in all, about 1 a second per chat
(short bursts tolerated) and 20 a minute per group. Going faster earns 429s.

Each limit is a GCRA bucket: a call reserves the next free slot at once (no await in
between), so concurrent senders never share a slot, then sleeps until it comes. Messages
spaced evenly here can still reach Telegram bunched together (network jitter), so the
pacer keeps ``MARGIN`` below the configured limits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MARGIN = 0.9


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    chat_burst: int = 3
    per_group_per_minute: float = 20.0


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

    def idle(self, now: float) -> bool:
        return self.tat <= now


class Pacer:
    def __init__(
        self,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._global = Bucket(limits.per_second * MARGIN, 1)  # evenly spaced, a little under the limit
        self._chats: dict[int, Bucket] = {}

    async def wait_turn(self, chat_id: int) -> None:
        await self._wait(self._chat_bucket(chat_id))
        await self._wait(self._global)

    async def _wait(self, bucket: Bucket) -> None:
        delay = bucket.reserve(self._clock())
        if delay > 0:
            await self._sleep(delay)

    def _chat_bucket(self, chat_id: int) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._forget_idle()
            limits = self.limits
            rate = limits.per_group_per_minute / 60.0 if chat_id < 0 else limits.per_chat_per_second
            bucket = Bucket(rate * MARGIN, limits.chat_burst)
            self._chats[chat_id] = bucket
        return bucket

    def _forget_idle(self) -> None:
        now = self._clock()
        self._chats = {chat: bucket for chat, bucket in self._chats.items() if not bucket.idle(now)}
