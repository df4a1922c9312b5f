"""Webhook mode, through each runner: the secret is checked, an update is processed once, and
the answer to Telegram comes only after the update was committed (so a crash means redelivery), not after
its reply was sent."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bot.telegram.sender import CHANNEL
from tests.e2e.citizen_script import consent
from tests.e2e.conftest import WEBHOOK_SECRET, RunningBot, StartBot
from tests.e2e.fake_bot_api import WEBHOOK_SECRET_HEADER, FakeBotApi, FakeUser

FORGED_UPDATE_ID = 9_000


def start_update(user: FakeUser, update_id: int = FORGED_UPDATE_ID) -> dict[str, Any]:
    """A ``/start`` message from ``user``, as Telegram would post it."""
    message = {
        "message_id": 900,
        "from": user.user_json(),
        "chat": user.chat_json(),
        "date": int(time.time()),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return {"update_id": update_id, "message": message}


async def post(bot: RunningBot, update: dict[str, Any], secret: str | None) -> int:
    headers = {WEBHOOK_SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(bot.app.settings.webhook_url, json=update, headers=headers) as response,
    ):
        return response.status


async def processed(bot: RunningBot, update_id: int) -> bool:
    async with bot.app.uow() as uow:
        return await uow.updates.seen(CHANNEL, str(update_id))


async def test_the_runner_registers_its_webhook_with_the_secret(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework, webhook=True)

    [registration] = fake.calls("setWebhook")
    assert registration["url"] == bot.app.settings.webhook_url
    assert registration["secret_token"] == WEBHOOK_SECRET
    assert registration["allowed_updates"] == ["message", "callback_query"]
    assert not fake.calls("getUpdates"), "no long polling in webhook mode"


async def test_a_post_without_the_right_secret_is_refused_and_not_processed(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework, webhook=True)
    ana = fake.user(1001, "Ana")

    assert await post(bot, start_update(ana), secret=None) in (401, 403)
    assert await post(bot, start_update(ana), secret="not-the-secret") in (401, 403)
    assert await post(bot, start_update(ana), secret=WEBHOOK_SECRET + "x") in (401, 403)
    await ana.expect_silence()
    assert not await processed(bot, FORGED_UPDATE_ID)

    assert await post(bot, start_update(ana), secret=WEBHOOK_SECRET) == 200
    assert await processed(bot, FORGED_UPDATE_ID), "answered 200 only once processed and committed"
    await ana.expect("Aviso de privacidad")

    assert await post(bot, start_update(ana), secret=WEBHOOK_SECRET) == 200  # Telegram posts it again
    await ana.expect_silence()


async def test_a_citizen_talks_to_the_bot_through_the_webhook(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework, webhook=True)
    ana = fake.user(1001, "Ana")

    await consent(ana)
    await ana.press("Prefiero no decirlo")
    await ana.expect()

    await fake.wait_all_confirmed()
    assert fake.stats.webhook_failures == 0
    assert await fake.wait_until(lambda: fake.stats.callback_answers == 2), "each button press is answered"


async def test_a_redelivered_update_is_processed_once_through_the_webhook(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework, webhook=True)
    ana = fake.user(1001, "Ana")
    first = await ana.send("/start")
    await ana.expect("Aviso de privacidad")
    await fake.wait_all_confirmed()
    deliveries = fake.stats.webhook_deliveries

    await fake.redeliver(first)
    await fake.wait_all_confirmed()

    assert fake.stats.webhook_deliveries == deliveries + 1, "the bot got it again and accepted it"
    await ana.expect_silence()


async def test_the_webhook_answers_once_the_update_is_committed_not_once_its_reply_is_sent(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    """Telegram waits for the webhook's answer before it posts the chat's next update: a reply held up by the
    pace must not hold up the person's next step (issue 13). The reply, committed with the update, still goes."""
    await start_bot(framework, webhook=True)
    ana = fake.user(1001, "Ana")
    fake.stall_next("sendMessage", 2.0, chat_id=ana.chat_id)

    update_id = await ana.send("/start")
    assert await fake.wait_until(lambda: fake.stats.stalled_requests == 1)

    assert await fake.wait_until(lambda: not fake.pending_updates, 1.0), "confirmed while its reply is in hand"
    assert update_id not in [u["update_id"] for u in fake.pending_updates]
    await ana.expect("Aviso de privacidad")
    assert fake.stats.webhook_attempts == 1
