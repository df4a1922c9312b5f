"""Long polling confirms a batch once its updates are committed; their replies go after, in each chat's order,
so that one chat's slow reply never holds up the next batch and everyone else's answers (issue 13)."""

from __future__ import annotations

import time

from tests.e2e.conftest import StartBot
from tests.e2e.fake_bot_api import FakeBotApi

STALL = 3.0


async def test_a_reply_held_up_does_not_hold_up_the_next_citizen(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework)
    ana = fake.user(1001, "Ana")
    bruno = fake.user(1002, "Bruno")
    fake.stall_next("sendMessage", STALL, chat_id=ana.chat_id)

    await ana.send("/start")
    assert await fake.wait_until(lambda: fake.stats.stalled_requests == 1)
    assert await fake.wait_until(lambda: not fake.pending_updates, 1.0), "Ana's update is confirmed meanwhile"

    started = time.monotonic()
    await bruno.send("/start")
    await bruno.expect("Aviso de privacidad", timeout=STALL - 1.0)
    assert time.monotonic() - started < STALL - 1.0, "Bruno did not wait for Ana's reply"

    await ana.expect("Aviso de privacidad")


async def test_a_chats_replies_keep_their_order_when_the_first_is_held_up(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework)
    ana = fake.user(1001, "Ana")
    fake.stall_next("sendMessage", 1.5, chat_id=ana.chat_id)

    await ana.send("/help")
    assert await fake.wait_until(lambda: fake.stats.stalled_requests == 1)
    await ana.send("/start")

    await ana.expect("/start")  # the help, held up, still comes first
    await ana.expect("Aviso de privacidad")
