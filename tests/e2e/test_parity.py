"""The same scripted citizen sees the same bot through all four transports: aiogram, python-telegram-bot,
the terminal and WhatsApp (the same texts in the same order, and the same options)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.app import build_app
from bot.settings import load_settings
from bot.terminal import TerminalChat
from handlers.channels import channel_name
from tests.conftest import NOW
from tests.driver import fixed_clock
from tests.e2e.citizen_script import CONTRIBUTION, PROBLEM, SOLUTION, User, consent, skip_profile, submit
from tests.e2e.conftest import FRAMEWORKS, launch
from tests.e2e.fake_bot_api import FakeBotApi, ReceivedKind
from tests.e2e.terminal_user import Screen, TerminalUser
from tests.e2e.whatsapp_citizen import WhatsAppCitizen
from tests.e2e.whatsapp_harness import fake_whatsapp, launch_channels

Transcript = list[tuple[ReceivedKind, str | None, list[list[tuple[str, str]]]]]
Seen = list[tuple[str, list[str]]]
"""What a person reads, whatever the channel: each message's text and the labels of its options."""
BETTER_SOLUTION = "Publicar horarios en tiempo real, con avisos de retrasos por SMS para quien no usa datos."


async def scripted_citizen(ana: User) -> None:
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
    *first, last = (PROBLEM, SOLUTION, CONTRIBUTION)
    for text in first:
        await ana.send(text)
        await ana.expect()
    await ana.send(last)  # then the review, where a location or photos are offered
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


async def transcript(
    framework: str, tmp_path: Path, language_code: str | None = "es"
) -> tuple[Transcript, dict[str, Any]]:
    """What the citizen received from a fresh bot (fresh fake, fresh database), and what else it did.
    ``language_code``: what the citizen's Telegram app reports (None: nothing, as on WhatsApp)."""
    async with FakeBotApi(token="123456:TEST-TOKEN") as fake:
        bot = await launch(fake, f"sqlite+aiosqlite:///{tmp_path / framework}.db", framework)
        try:
            ana = fake.user(1001, "Ana", language_code=language_code)
            await scripted_citizen(ana)
            presses = sum("callback_query" in update for update in fake.history.values())
            asked_language = language_code is None
            expected = 9 if asked_language else 8
            assert await fake.wait_until(lambda: len(ana.callback_answers) == presses == expected), (
                "every press answered"
            )
        finally:
            await bot.stop()
        received = [(item.kind, item.text, item.buttons) for item in ana.inbox]
        return received, {"commands": _commands(fake), "sends": _send_options(fake)}


def _commands(fake: FakeBotApi) -> list[str]:
    return sorted(json.dumps(call, sort_keys=True, ensure_ascii=False) for call in fake.calls("setMyCommands"))


def _send_options(fake: FakeBotApi) -> list[list[str]]:
    """The options of each send besides text and buttons (parse mode, previews, replies...)."""
    return [sorted(set(call) - {"chat_id", "text", "reply_markup"}) for call in fake.calls("sendMessage")]


def as_said(kind: str, text: str | None) -> str:
    """The text the core wrote: Telegram shows a pressed answer's next question in place of the buttons,
    under "✓ the answer" (its own rendering: WhatsApp and the terminal show the press as the person's)."""
    if kind == "edit" and text and text.startswith("✓ "):
        return text.split("\n\n", 1)[1]
    return text or ""


def seen_on_telegram(received: Transcript) -> Seen:
    return [(as_said(kind, text), [label for row in buttons for label, _ in row]) for kind, text, buttons in received]


async def seen_in_the_terminal(tmp_path: Path) -> Seen:
    settings = load_settings({"COCREA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'terminal.db'}"}, env_file=None)
    app = await build_app(settings, clock=fixed_clock(NOW))
    try:
        screen = Screen()
        await scripted_citizen(TerminalUser(TerminalChat(app, "1001", out=screen, language="es"), screen))
    finally:
        await app.close()
    terminal, telegram = channel_name("terminal"), channel_name("telegram")
    return [
        (shown.text.replace(terminal.name, telegram.name).replace(terminal.company, telegram.company), shown.labels)
        for shown in screen.shown
    ]


async def test_the_same_citizen_reads_the_same_in_the_terminal_as_on_telegram(tmp_path: Path) -> None:
    """Byte for byte, but for the name of the channel the privacy notice says messages pass through."""
    telegram, _ = await transcript("aiogram", tmp_path)
    terminal = await seen_in_the_terminal(tmp_path)
    assert len(terminal) >= 15, "the whole script ran"
    for index, (on_telegram, in_terminal) in enumerate(zip(seen_on_telegram(telegram), terminal, strict=True)):
        assert on_telegram == in_terminal, f"message {index} differs"


async def test_the_same_citizen_gets_the_same_messages_through_both_runners(tmp_path: Path) -> None:
    aiogram, ptb = [await transcript(framework, tmp_path) for framework in FRAMEWORKS]

    assert len(aiogram[0]) >= 15, "the whole script ran"
    for index, (through_aiogram, through_ptb) in enumerate(zip(aiogram[0], ptb[0], strict=False)):
        assert through_aiogram == through_ptb, f"message {index} differs"
    assert len(aiogram[0]) == len(ptb[0])
    assert aiogram[1] == ptb[1]


async def seen_on_whatsapp(tmp_path: Path) -> Seen:
    """Each bot message as the person reads it (a long text's parts joined), with its options' ids."""
    async with fake_whatsapp() as wa:
        channels = await launch_channels(f"sqlite+aiosqlite:///{tmp_path / 'whatsapp.db'}", wa)
        try:
            ana = WhatsAppCitizen(wa.user("593991001001", "Ana"))
            await scripted_citizen(ana)
        finally:
            await channels.stop()
    whatsapp, telegram = channel_name("whatsapp"), channel_name("telegram")
    names = re.compile(rf"\b({whatsapp.name}|{whatsapp.company})\b")
    return [(names.sub(telegram.name, read.text), [choice.id for choice in read.choices]) for read in ana.seen]


async def test_the_same_citizen_reads_the_same_on_whatsapp_as_on_telegram(tmp_path: Path) -> None:
    """The same texts in the same order and the same options, but for the name of the channel and of its
    company in the privacy notice; WhatsApp shows the options its own way (buttons, lists). WhatsApp does not
    say the language of the person's app: the Telegram app here does not either, so both ask for it."""
    telegram, _ = await transcript("aiogram", tmp_path, language_code=None)
    on_telegram = [(as_said(kind, text), [data for row in keys for _, data in row]) for kind, text, keys in telegram]
    on_whatsapp = await seen_on_whatsapp(tmp_path)
    assert len(on_whatsapp) >= 15, "the whole script ran"
    for index, (there, here) in enumerate(zip(on_telegram, on_whatsapp, strict=True)):
        assert there == here, f"message {index} differs"
