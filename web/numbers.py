"""The public home's counts, kept for a minute: a campaign on TV must not make every visit count
100,000 rows again."""

from __future__ import annotations

import asyncio
import time

from handlers.public.proposals import public_numbers
from handlers.services import Services
from storage.stats import Stats


class NumbersCache:
    def __init__(self, services: Services, ttl_seconds: float) -> None:
        self._services = services
        self._ttl = ttl_seconds
        self._value: Stats | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Stats:
        if self._value is not None and time.monotonic() - self._at < self._ttl:
            return self._value
        async with self._lock:  # one count at a time; the others use its result
            if self._value is None or time.monotonic() - self._at >= self._ttl:
                async with self._services.reading() as uow:
                    self._value = await public_numbers(uow, self._services)
                self._at = time.monotonic()
            return self._value
