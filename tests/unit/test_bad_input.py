"""Bad input gets a short, helpful answer in the citizen's language and changes nothing."""

from __future__ import annotations

import pytest

from bot.telegram.sender import LIMITS as TELEGRAM
from bot.telegram.sender import keyboard
from storage.database import Database
from tests.driver import Citizen
from tests.unit.story import consent, conversation_of, reach_review, skip_profile


async def at_problem_step(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:2")
    await citizen.press_data("pillar:participation")


async def snapshot(database: Database, chat_id: str) -> tuple[str, dict[str, object]]:
    conversation = await conversation_of(database, chat_id)
    assert conversation is not None
    return conversation.step, dict(conversation.draft)


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        ("x" * 1201, "too long: 1201 characters, and the limit is 1200"),
        ("   \n\t  ", "empty"),
        ("🙂🎉🚌", "not only emoji or symbols"),
        ("!!! ??? ...", "not only emoji or symbols"),
        ("Los buses\x00 no pasan por el barrio", "invisible control characters"),
        ("Mal", "at least 20 characters"),
    ],
    ids=["too long", "whitespace only", "emoji only", "symbols only", "control characters", "too short"],
)
async def test_a_bad_problem_text_is_explained_and_nothing_changes(
    citizen: Citizen, database: Database, text: str, explanation: str
) -> None:
    await at_problem_step(citizen)
    before = await snapshot(database, citizen.user_id)

    replies = await citizen.send(text)

    assert len(replies) == 1
    assert explanation in replies[0].text
    assert "Describe the problem" in replies[0].text
    assert await snapshot(database, citizen.user_id) == before


@pytest.mark.parametrize("kind", ["sticker", "voice", "video", "document", "other"])
async def test_non_text_where_text_is_wanted(citizen: Citizen, database: Database, kind: str) -> None:
    await at_problem_step(citizen)
    before = await snapshot(database, citizen.user_id)
    [reply] = await citizen.send_kind(kind)
    assert "I can only read text here" in reply.text
    assert await snapshot(database, citizen.user_id) == before


async def test_text_where_a_button_is_wanted(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    before = await snapshot(database, citizen.user_id)
    [reply] = await citizen.send("movilidad")
    assert "choose one of the options" in reply.text
    assert reply.choices, "the options are offered again"
    assert await snapshot(database, citizen.user_id) == before


@pytest.mark.parametrize(
    "data",
    [
        "axis:99",
        "axis:",
        "garbage",
        "pillar:transparency:extra",
        "zzz:1",
        "edit:code",
        "lang:xx",
        "consent:maybe:es",
        "review:publish",
        "sector:astronaut",
    ],
)
async def test_a_forged_button_is_refused_politely(citizen: Citizen, database: Database, data: str) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    before = await snapshot(database, citizen.user_id)
    [reply] = await citizen.press_data(data)
    assert any(words in reply.text for words in ("did not understand", "earlier message", "already accepted"))
    assert await snapshot(database, citizen.user_id) == before


async def test_a_stale_button_from_an_earlier_message(citizen: Citizen, database: Database) -> None:
    await at_problem_step(citizen)
    before = await snapshot(database, citizen.user_id)
    [reply] = await citizen.press_data("axis:5")
    assert "earlier message" in reply.text and "Describe the problem" in reply.text
    assert await snapshot(database, citizen.user_id) == before


async def test_an_unknown_command(citizen: Citizen) -> None:
    await consent(citizen)
    [reply] = await citizen.send("/borrar_todo")
    assert "/borrar_todo" in reply.text and "/help" in reply.text


async def test_a_forged_button_before_consent_stores_nothing(citizen: Citizen, database: Database) -> None:
    [reply] = await citizen.press_data("axis:1")
    assert "Aviso de privacidad" in reply.text, "the notice: nothing before consent"
    assert await conversation_of(database, citizen.user_id) is None


async def test_nothing_sent_exceeds_telegram_limits(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:2")
    await citizen.press_data("pillar:participation")
    await citizen.send("p" * 1200)
    await citizen.send("s" * 1200)
    await citizen.send("c" * 800)
    await citizen.press_data("edit:problem")
    await citizen.send("q" * 1200)
    assert "Please review" in citizen.last.text
    for message in citizen.inbox:
        assert len(message.text) <= TELEGRAM.text, "nothing is cut when shown"
        assert keyboard(message.choices) is not None or not message.choices, "every option id fits a button"


async def test_review_is_reachable_after_bad_inputs(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.send_kind("sticker")
    assert "choose one of the options" in citizen.last.text
    assert "Send proposal" in citizen.labels()
