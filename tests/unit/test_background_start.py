"""The background's rounds start a moment after the channels: reaching the first poll comes first (issue 13),
and a bot stopped meanwhile starts none of them."""

from __future__ import annotations

import asyncio
import time

from bot.background import after


async def test_a_round_starts_once_its_delay_has_passed() -> None:
    started: list[float] = []

    async def work() -> None:
        started.append(time.monotonic())

    begun = time.monotonic()
    await after(0.2, work, asyncio.Event())
    assert len(started) == 1 and started[0] - begun >= 0.2


async def test_a_bot_stopped_during_the_delay_starts_no_round() -> None:
    stopping = asyncio.Event()
    started: list[str] = []

    async def work() -> None:
        started.append("round")

    waiting = asyncio.create_task(after(30.0, work, stopping))
    await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(waiting, 1.0)
    assert started == []
