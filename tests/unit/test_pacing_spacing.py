"""A chat's messages are spaced from the moment each one went, not from the slot it had reserved: a long
wait for the channel's turn (a takeover's pause, a busy minute) never lets two reach one chat within a
second (simulated clock: nothing really sleeps)."""

from __future__ import annotations

import asyncio
import random
import time

from bot.outbox.pacing import MARGIN, Pacer
from bot.outbox.sending import Pace
from tests.unit.test_pacing import SimulatedTime, most_in_any_window

ONE_A_SECOND = Pace(per_second=30.0, per_chat_per_second=1.0, chat_burst=1)


async def test_a_message_held_by_the_channels_turn_pushes_its_chats_next_one_back() -> None:
    simulated = SimulatedTime()
    pacer = Pacer(ONE_A_SECOND, simulated.clock, simulated.sleep)
    pacer.hold(0.9)  # everyone waits (a new sender's first second)
    async with pacer.turn("42"):
        first = simulated.now
    async with pacer.turn("42"):
        pass
    assert first >= 0.9
    assert simulated.now - first >= 1 / MARGIN - 1e-9, "one interval after the first one went"


async def test_a_chat_with_a_burst_keeps_it() -> None:
    simulated = SimulatedTime()
    pacer = Pacer(Pace(per_second=1000.0, per_chat_per_second=1.0, chat_burst=3), simulated.clock, simulated.sleep)
    moments = []
    for _ in range(3):
        async with pacer.turn("42"):
            moments.append(simulated.now)
    assert moments[-1] < 0.1, "three at once, as the burst allows"


async def test_however_the_network_bunches_requests_no_second_of_the_channels_clock_holds_more_than_its_limit() -> None:
    """Requests leave evenly but reach the channel after anything between 0 and 0.6 s: the channel counts each
    one somewhere between our request and its answer. Evenly spaced requests alone would put up to 1.6 s of
    them in one second of the channel's clock; the window never lets more than the limit in."""
    pacer = Pacer(Pace(per_second=100.0, per_chat_per_second=1000.0, chat_burst=1000))
    rng = random.Random(5)
    counted: list[float] = []

    async def send(n: int) -> None:
        async with pacer.turn(str(n)):
            latency = rng.uniform(0.0, 0.6)
            counted.append(time.monotonic() + rng.uniform(0.0, latency))
            await asyncio.sleep(latency)  # the request travelling, and its answer

    await asyncio.gather(*(send(n) for n in range(300)))
    assert most_in_any_window(counted, 1.0) <= 100
