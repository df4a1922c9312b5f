"""The sender never goes faster than Telegram allows (simulated clock: nothing really sleeps)."""

from __future__ import annotations

import random

from bot.outbox.pacing import MARGIN, Bucket, Pacer
from bot.outbox.sending import Pace


class SimulatedTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sent: list[tuple[float, str]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def send_all(pacer: Pacer, time: SimulatedTime, chats: list[str]) -> None:
    for chat in chats:
        await pacer.wait_turn(chat, group=chat.startswith("-"))
        time.sent.append((time.now, chat))


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_one_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    time = SimulatedTime()
    await send_all(Pacer(Pace(), time.clock, time.sleep), time, ["42"] * 6)
    gap = 1 / (30 * MARGIN)
    assert [round(t, 3) for t, _ in time.sent] == [  # the burst (spaced by the global limit), then 1/s
        0,
        round(gap, 3),
        round(2 * gap, 3),
        round(1 / MARGIN, 3),
        round(2 / MARGIN, 3),
        round(3 / MARGIN, 3),
    ]


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    time = SimulatedTime()
    await send_all(Pacer(Pace(chat_burst=1), time.clock, time.sleep), time, ["-100"] * 21)
    assert round(time.sent[-1][0], 6) == round(60.0 / MARGIN, 6)


async def test_all_chats_together_never_exceed_thirty_a_second() -> None:
    time = SimulatedTime()
    rng = random.Random(7)
    chats = [str(rng.randrange(1, 400)) for _ in range(600)]
    await send_all(Pacer(Pace(), time.clock, time.sleep), time, chats)
    assert most_in_any_window([t for t, _ in time.sent], 1.0) <= 30
    for chat in set(chats):
        mine = [t for t, c in time.sent if c == chat]
        assert most_in_any_window(mine, 1.0) <= 3


def test_senders_arriving_together_never_share_a_slot() -> None:
    bucket = Bucket(rate=5, burst=1)  # a bucket on its own has no margin
    waits = [bucket.reserve(now=0.0) for _ in range(10)]
    assert [round(w, 6) for w in waits] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]
