"""What attacking the bot found, each through the real runners against the fake Bot API:

* one update no library can decode does not stop long polling: it is skipped, kept for inspection;
* an HTML 502 page from a proxy in front of Telegram is a passing failure: retried, counted, visible;
* a malformed webhook body gets 400 (Telegram would retry a 5xx forever);
* the moderators' group's pace (20 messages a minute) never holds a citizen's reply back;
* Telegram out of reach at start: one line in the log and retries, not a crash.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.citizen_script import consent, full_proposal
from tests.e2e.conftest import WEBHOOK_SECRET, StartBot, free_port, launch
from tests.e2e.fake_bot_api import WEBHOOK_SECRET_HEADER, FakeBotApi
from tests.e2e.test_moderation_e2e import GROUP, MODERATION
from tests.e2e.test_telegram_errors import outbox_becomes, sends_to


async def test_an_undecodable_update_is_skipped_and_kept_and_polling_goes_on(
    fake: FakeBotApi, start_bot: StartBot, framework: str, tmp_path: Path
) -> None:
    bot = await start_bot(framework, COCREA_DATA_DIR=str(tmp_path / "data"))
    broken = await fake.enqueue_raw({"message": {"message_id": 1, "date": 1700000000, "text": "sin chat"}})
    ana = fake.user(1001, "Ana")

    await ana.send("/start")

    await ana.expect("Aviso de privacidad")
    assert (tmp_path / "data" / "unprocessable" / f"telegram-{broken}.json").is_file(), "kept for inspection"
    assert await fake.wait_until(lambda: broken not in [u["update_id"] for u in fake.pending_updates])
    del bot


async def test_an_html_502_is_retried_counted_and_visible(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    ana = fake.user(1001, "Ana")
    fake.fail_next("sendMessage", status=502, html=True, times=2, chat_id=ana.chat_id)

    started = time.monotonic()
    await ana.send("/start")
    await ana.expect("Aviso de privacidad")

    assert time.monotonic() - started < 10, "backed off briefly, not left waiting"
    assert len(sends_to(fake, ana)) == 3, "two 502 pages, then accepted"
    await outbox_becomes(bot, {})


async def test_the_outbox_shows_a_message_being_retried(
    fake: FakeBotApi, start_bot: StartBot, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.moderation import outbox_command

    bot = await start_bot("aiogram")
    ana = fake.user(1001, "Ana")
    fake.fail_next("sendMessage", status=502, html=True, times=100, chat_id=ana.chat_id)
    await ana.send("/start")
    await outbox_becomes(bot, {"pending": 1, "retrying": 1})
    import argparse

    await outbox_command(bot.app, argparse.Namespace(list=True))
    shown = capsys.readouterr().out
    telegram = next(line for line in shown.splitlines() if line.startswith("telegram")).split()
    assert telegram[:3] == ["telegram", "1", "1"], "one pending, being retried"
    assert "retrying telegram chat 1001 attempts 1" in shown and "502" in shown


async def test_a_malformed_webhook_body_gets_400(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework, webhook=True)
    url = bot.app.settings.webhook_url
    headers = {WEBHOOK_SECRET_HEADER: WEBHOOK_SECRET}
    async with aiohttp.ClientSession() as http:
        for body in (b"not json at all", b'{"no": "update_id"}', b"[1, 2, 3]"):
            async with http.post(url, data=body, headers={**headers, "Content-Type": "application/json"}) as answer:
                assert answer.status == 400, body


@pytest.mark.serial  # a reply within 3 s: measured alone
async def test_the_moderators_pace_never_holds_a_citizens_reply(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework, **{**MODERATION, "COCREA_SEND_PER_GROUP_PER_MINUTE": "20"})
    fake.group(GROUP, "Moderación")
    senders = [fake.user(3001 + n, f"Persona {n}") for n in range(8)]
    await asyncio.gather(*(full_proposal(person) for person in senders))  # 8 cards: the group's pace binds
    other = fake.user(4001, "Luis")
    await consent(other)
    started = time.monotonic()
    await other.send("/help")
    await other.expect("/mine")
    assert time.monotonic() - started < 3, "the /help answer did not wait for the moderators' cards"
    cards = [call["text"] for call in fake.calls("sendMessage") if int(call["chat_id"]) == GROUP]
    assert len(cards) == len(set(cards)), "no card twice"


class Heard(logging.Handler):
    """Sets ``heard`` when a log line contains ``words``."""

    def __init__(self, words: str) -> None:
        super().__init__(logging.WARNING)
        self.words = words
        self.heard = asyncio.Event()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.records.append(record)
            self.heard.set()


async def test_telegram_out_of_reach_at_start_is_one_line_and_retries(tmp_path: Path) -> None:
    unreachable = FakeBotApi(token="123456:TEST-TOKEN")
    unreachable.base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    heard = Heard("cannot reach Telegram")
    logging.getLogger("bot.telegram.runner").addHandler(heard)
    try:
        task = asyncio.create_task(launch(unreachable, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "aiogram"))
        await asyncio.wait_for(heard.heard.wait(), 10)
        assert not task.done(), "still trying"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        logging.getLogger("bot.telegram.runner").removeHandler(heard)
    assert all(record.exc_info is None for record in heard.records), "one line each, no traceback"
