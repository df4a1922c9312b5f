"""Errors from Telegram, through each runner against the fake: both runners handle them alike.

* 429 with ``retry_after``: the sender waits it out and sends again — the reply arrives once.
* 400 (Telegram refuses the message): the outbox row is marked ``failed``, never retried.
* A send that times out is retried later with backoff. Telegram has no idempotency key, so when
  the timed-out send did reach the person (``deliver=True``) the retry repeats it: delivery is
  at least once, with one extra copy per timed-out send that Telegram carried out.
* 403 (the person blocked the bot): the row is marked ``undeliverable``, never retried.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import event

from tests.e2e.citizen_script import PROBLEM, consent, skip_profile
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser

REQUEST_TIMEOUT = 1.0  # the runners' Bot API timeout in the timeout tests; the fake stalls longer


def sends_to(fake: FakeBotApi, user: FakeUser) -> list[dict[str, Any]]:
    return [call for call in fake.calls("sendMessage") if int(call["chat_id"]) == user.chat_id]


async def outbox(bot: RunningBot) -> dict[str, int]:
    async with bot.app.uow() as uow:
        return await uow.outbox.counts()


async def outbox_becomes(bot: RunningBot, expected: dict[str, int], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until the outbox holds ``expected`` (rows by status; a sent row is deleted),
    looking again after every commit the bot makes."""
    committed = asyncio.Event()

    def on_commit(connection: Any) -> None:
        committed.set()

    engine = bot.app.database.engine.sync_engine
    event.listen(engine, "commit", on_commit)
    try:
        async with asyncio.timeout(timeout):
            while (counts := await outbox(bot)) != expected:
                await committed.wait()
                committed.clear()
    except TimeoutError:
        raise AssertionError(f"the outbox holds {counts}, not {expected}, after {timeout} s") from None
    finally:
        event.remove(engine, "commit", on_commit)


async def test_a_429_is_waited_out_and_the_reply_arrives_once(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    ana = fake.user(1001, "Ana")
    fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=ana.chat_id)

    started = time.monotonic()
    await ana.send("/start")
    await ana.expect("Aviso de privacidad")

    assert time.monotonic() - started >= 1.0, "it waited retry_after before sending again"
    await ana.expect_silence()
    assert len(sends_to(fake, ana)) == 2, "one refused with 429, one accepted"
    assert fake.stats.responses_429 == 1
    await outbox_becomes(bot, {})


async def test_a_message_telegram_refuses_is_marked_failed_and_the_bot_goes_on(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    ana, luis = fake.user(1001, "Ana"), fake.user(1002, "Luis")
    fake.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities", chat_id=ana.chat_id)

    await ana.send("/start")
    await luis.send("/start")
    await luis.expect("Aviso de privacidad")
    await ana.send("/start")  # processed after the first one's delivery (a chat's turn includes it)
    await ana.expect("Aviso de privacidad")

    await ana.expect_silence()
    assert len(sends_to(fake, ana)) == 2, "the refused message was not tried again"
    await outbox_becomes(bot, {"failed": 1})


async def test_a_send_that_times_out_is_retried_and_delivered(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework, request_timeout=REQUEST_TIMEOUT)
    ana = fake.user(1001, "Ana")
    fake.stall_next("sendMessage", REQUEST_TIMEOUT + 1.0, chat_id=ana.chat_id, deliver=False)

    await ana.send("/start")
    await ana.expect("Aviso de privacidad")

    await ana.expect_silence()
    assert len(sends_to(fake, ana)) == 2, "the stalled send, then one retry"
    assert fake.stats.stalled_requests == 1
    await outbox_becomes(bot, {})


async def test_a_timed_out_send_that_telegram_carried_out_arrives_at_most_twice(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework, request_timeout=REQUEST_TIMEOUT)
    ana = fake.user(1001, "Ana")
    fake.stall_next("sendMessage", REQUEST_TIMEOUT + 1.0, chat_id=ana.chat_id, deliver=True)

    await ana.send("/start")
    first = await ana.expect("Aviso de privacidad")
    again = await ana.expect("Aviso de privacidad")  # the retry repeats what Telegram did deliver

    await ana.expect_silence(seconds=REQUEST_TIMEOUT)
    assert (again.text, again.buttons) == (first.text, first.buttons)
    assert len(sends_to(fake, ana)) == 2
    await outbox_becomes(bot, {})


async def test_a_citizen_who_blocked_the_bot_is_not_retried_and_others_are_served(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    ana, luis = fake.user(1001, "Ana"), fake.user(1002, "Luis")
    fake.block(luis.chat_id)

    await luis.send("/start")  # and blocks the bot before the answer comes
    await fake.wait_for_request("sendMessage", where=lambda call: int(call["chat_id"]) == luis.chat_id)
    await consent(ana)  # meanwhile the bot serves others

    assert len(sends_to(fake, luis)) == 1, "403 is final: no retry"
    fake.unblock(luis.chat_id)
    await luis.send("/help")
    await luis.expect("/mine")
    assert len(sends_to(fake, luis)) == 2
    await outbox_becomes(bot, {"undeliverable": 1})


async def test_a_slow_callback_answer_does_not_reorder_a_chats_updates(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework)
    ana = fake.user(1001, "Ana")
    await consent(ana)
    await skip_profile(ana)
    await ana.press("Movilidad Sostenible")
    await ana.expect()
    fake.stall_next("answerCallbackQuery", 1.0)

    await ana.press("Transparencia y acceso a la información pública")
    await ana.send(PROBLEM)  # typed at once: both updates reach the bot together

    await ana.expect("Describe el problema")
    await ana.expect("propones")
    await fake.wait_until(lambda: fake.stats.stalled_requests == 1)
