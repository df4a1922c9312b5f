"""The same scripted citizen through aiogram and through python-telegram-bot sees the same bot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.citizen_script import CONTRIBUTION, PROBLEM, SOLUTION, consent, skip_profile, submit
from tests.e2e.conftest import FRAMEWORKS, launch
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser, ReceivedKind

Transcript = list[tuple[ReceivedKind, str | None, list[list[tuple[str, str]]]]]
BETTER_SOLUTION = "Publicar horarios en tiempo real, con avisos de retrasos por SMS para quien no usa datos."


async def scripted_citizen(ana: FakeUser) -> None:
    """A full proposal with a bad input (a stray sticker, a too short problem) and an edit, then /mine and /help."""
    await consent(ana)
    await ana.send_sticker()
    await ana.expect("botones")
    await skip_profile(ana)
    await ana.press("Movilidad Sostenible")
    await ana.expect()
    await ana.press("Transparencia y acceso a la información pública")
    await ana.expect("Describe el problema")
    await ana.send("Muy corto")
    await ana.expect()
    for text in (PROBLEM, SOLUTION, CONTRIBUTION):
        await ana.send(text)
        await ana.expect()
    await ana.press("Omitir")
    await ana.expect("Revisa tu propuesta")
    await ana.press("Editar solución")
    await ana.expect()
    await ana.send(BETTER_SOLUTION)
    assert BETTER_SOLUTION in ((await ana.expect("Revisa tu propuesta")).text or "")
    assert await submit(ana) == "UIO-0001"
    await ana.send("/mine")
    await ana.expect("UIO-0001")
    await ana.send("/help")
    await ana.expect("/mine")
    await ana.expect_silence()


async def transcript(framework: str, tmp_path: Path) -> tuple[Transcript, dict[str, Any]]:
    """What the citizen received from a fresh bot (fresh fake, fresh database), and what else it did."""
    async with FakeBotApi(token="123456:TEST-TOKEN") as fake:
        bot = await launch(fake, f"sqlite+aiosqlite:///{tmp_path / framework}.db", framework)
        try:
            ana = fake.user(1001, "Ana")
            await scripted_citizen(ana)
            presses = sum("callback_query" in update for update in fake.history.values())
            assert await fake.wait_until(lambda: len(ana.callback_answers) == presses == 10), "every press answered"
        finally:
            await bot.stop()
        received = [(item.kind, item.text, item.buttons) for item in ana.inbox]
        return received, {"commands": _commands(fake), "sends": _send_options(fake)}


def _commands(fake: FakeBotApi) -> list[str]:
    return sorted(json.dumps(call, sort_keys=True, ensure_ascii=False) for call in fake.calls("setMyCommands"))


def _send_options(fake: FakeBotApi) -> list[list[str]]:
    """The options of each send besides text and buttons (parse mode, previews, replies...)."""
    return [sorted(set(call) - {"chat_id", "text", "reply_markup"}) for call in fake.calls("sendMessage")]


async def test_the_same_citizen_gets_the_same_messages_through_both_runners(tmp_path: Path) -> None:
    aiogram, ptb = [await transcript(framework, tmp_path) for framework in FRAMEWORKS]

    assert len(aiogram[0]) >= 15, "the whole script ran"
    for index, (through_aiogram, through_ptb) in enumerate(zip(aiogram[0], ptb[0], strict=False)):
        assert through_aiogram == through_ptb, f"message {index} differs"
    assert len(aiogram[0]) == len(ptb[0])
    assert aiogram[1] == ptb[1]
