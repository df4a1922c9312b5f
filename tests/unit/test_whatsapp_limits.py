"""Every message a citizen can get, and every option of every bundled consultation, fits WhatsApp.

Each message of a scripted conversation (both languages, every command, follow-ups, status answers,
a reminder) and each question of every bundled consultation goes through the WhatsApp renderer; the
result is checked against Meta's documented limits (the constants of the fake Cloud API, not our own
declaration, so a wrong ``LIMITS`` is caught too). An option label cut short is a failure as well:
a consultation needs a ``short_labels`` entry for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.outbox.delivery import Delivery
from bot.whatsapp.render import render
from config.consultation import load_consultation
from handlers.actors import operator
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.intake.reminders import remind
from handlers.intake.table import steps_for
from handlers.messages import Address, Outgoing
from handlers.moderation.actions import ask_author, reply_to_participant
from handlers.moderation.statuses import MAX_ANSWER, Change, change_status
from handlers.moderation.threads import record_sent
from handlers.services import Services
from storage.database import Database
from tests.conftest import NOW
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer
from tests.e2e.fake_whatsapp import (
    MAX_BUTTON_ID,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_INTERACTIVE_BODY,
    MAX_LIST_BUTTON_TEXT,
    MAX_LIST_ROWS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_ID,
    MAX_ROW_TITLE,
    MAX_TEXT_BODY,
)
from tests.unit.story import proposals

BUNDLED = ["quito-2024", "cuenca-2022", "riobamba", "pichincha-2024"]
LONGEST = {"problem": 1200, "solution": 1200, "contribution": 800}


def over_the_limits(body: dict[str, Any]) -> list[str]:
    """What in one Cloud API message body breaks Meta's limits."""
    problems: list[str] = []

    def check(what: str, text: str | None, low: int, high: int) -> None:
        if text is None or not low <= len(text) <= high:
            problems.append(f"{what} has {len(text or '')} characters (allowed {low}-{high}): {text!r}")

    if body["type"] == "text":
        check("text", body["text"]["body"], 1, MAX_TEXT_BODY)
        return problems
    interactive = body["interactive"]
    check("interactive body", interactive["body"]["text"], 1, MAX_INTERACTIVE_BODY)
    action = interactive["action"]
    if interactive["type"] == "button":
        if not 1 <= len(action["buttons"]) <= MAX_BUTTONS:
            problems.append(f"{len(action['buttons'])} buttons")
        for button in action["buttons"]:
            check("button title", button["reply"]["title"], 1, MAX_BUTTON_TITLE)
            check("button id", button["reply"]["id"], 1, MAX_BUTTON_ID)
        return problems
    check("list button", action["button"], 1, MAX_LIST_BUTTON_TEXT)
    rows = [row for section in action["sections"] for row in section["rows"]]
    if not 1 <= len(rows) <= MAX_LIST_ROWS:
        problems.append(f"{len(rows)} list rows")
    for row in rows:
        check("row title", row["title"], 1, MAX_ROW_TITLE)
        check("row id", row["id"], 1, MAX_ROW_ID)
        if "description" in row:
            check("row description", row["description"], 0, MAX_ROW_DESCRIPTION)
    return problems


def cut_labels(body: dict[str, Any]) -> list[str]:
    """Option titles that had to be cut (no label and no short label fitted)."""
    if body["type"] != "interactive":
        return []
    action = body["interactive"]["action"]
    titles = [b["reply"]["title"] for b in action.get("buttons", [])]
    titles += [row["title"] for section in action.get("sections", []) for row in section["rows"]]
    return [title for title in titles if title.endswith("…")]


def check_all(messages: list[Outgoing], catalogs: Catalogs) -> list[str]:
    problems = []
    for message in messages:
        for body in render(message, catalogs.get(message.language or "es")):
            problems += [f"{message.text[:40]!r}: {p}" for p in over_the_limits(body) + cut_labels(body)]
    return problems


@pytest.fixture
def whatsapp_citizen(services: Services) -> Callable[..., Citizen]:
    event_ids = Counter()  # one channel, one sequence of event ids

    def make(for_services: Services, user_id: str = "EC.100") -> Citizen:
        sender = RecordingSender()
        delivery = Delivery(for_services.uow, sender, "whatsapp", pacer=fast_pacer(), after_send=record_sent)
        return Citizen(Engine(for_services), delivery, sender, event_ids, user_id, "es", channel="whatsapp")

    return make


async def walk_every_question(citizen: Citizen, language: str) -> None:
    """Language, consent, every profile question, axis and pillar with their explanations, the review."""
    await citizen.send("/start")
    await citizen.press_data(f"lang:{language}")
    await citizen.press_data(f"consent:yes:{language}")
    for prefix in ("sector", "zone", "age"):
        if any(option.id.startswith(f"{prefix}:") for option in citizen.last.options):
            await citizen.press_data(f"{prefix}:skip")
    for prefix in ("axis", "pillar"):
        await citizen.press_data(f"{prefix}:help")
        await citizen.press_data(citizen.last.options[0].id)


@pytest.mark.parametrize("slug", BUNDLED)
@pytest.mark.parametrize("language", ["es", "en"])
async def test_every_option_of_every_bundled_consultation_fits_whatsapp(
    services: Services, whatsapp_citizen: Callable[..., Citizen], slug: str, language: str
) -> None:
    consultation = load_consultation(slug)
    moment = consultation.opens + timedelta(days=1, hours=10)
    open_services = replace(services, consultation=consultation, steps=steps_for(consultation), clock=lambda: moment)
    citizen = whatsapp_citizen(open_services)

    await walk_every_question(citizen, language)

    assert len(citizen.inbox) >= 8, "every question was asked"
    assert check_all(citizen.inbox, services.catalogs) == []


async def test_every_message_of_a_conversation_fits_whatsapp(
    services: Services, whatsapp_citizen: Callable[..., Citizen], database: Database
) -> None:
    messages: list[Outgoing] = []
    for language in ("es", "en"):
        citizen = whatsapp_citizen(services, f"EC.{language}")
        await walk_every_question(citizen, language)
        for length in LONGEST.values():
            await citizen.send(("Texto largo con detalles. " * 100)[: length - 1] + ".")
        await citizen.press_data("edit:problem")
        await citizen.send("Un problema reescrito con más de veinte caracteres.")
        await citizen.press_data("review:send")
        for command in ("/mine", "/help", "/privacy", "/mydata", "/language", "/ask", "/cancel", "/new"):
            await citizen.send(command)
        await citizen.send("/delete_me")
        await citizen.press_data("delete:no")
        [proposal, *_] = [p for p in await proposals(database) if p.language == language]
        await citizen.press_data(f"withdraw:{proposal.id}")
        messages += citizen.inbox
        messages += await owed_by_the_team(services, proposal.id)

    assert len(messages) > 60
    assert check_all(messages, services.catalogs) == []


async def owed_by_the_team(services: Services, proposal_id: int) -> list[Outgoing]:
    """A question, an answer to /ask, a status change with the longest reasoned answer, a reminder."""
    async with services.uow() as uow:
        proposal = await uow.proposals.get(proposal_id)
        assert proposal is not None and proposal.participant_id is not None
        owed = [
            await ask_author(uow, services, operator(), proposal, "¿Dónde exactamente? " * 140),
            await reply_to_participant(uow, services, operator(), proposal.participant_id, "Respuesta. " * 270),
            *await change_status(
                uow, services, proposal, Change("not_adopted", "Motivo. " * (MAX_ANSWER // 8), operator())
            ),
        ]
        conversation = await uow.conversations.of_participant(proposal.participant_id)
        assert conversation is not None
        conversation.step, conversation.last_seen_at = "problem", NOW - timedelta(hours=21)
        owed += await remind(uow, services, conversation.id, NOW)
        assert len(owed) == 4 and all(isinstance(message.to, Address) for message in owed)
    return owed
