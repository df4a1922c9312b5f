"""Commands work at any point of the conversation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from handlers.engine import Engine
from handlers.services import Services
from storage.database import Database
from tests.driver import Citizen
from tests.unit.story import consent, conversation_of, reach_review, skip_profile


async def test_help_lists_the_commands_and_then_asks_the_current_question_again(citizen: Citizen) -> None:
    await consent(citizen)
    help_text, where_we_are = await citizen.send("/help")
    for command in ("/start", "/new", "/mine", "/language", "/privacy", "/help", "/cancel", "/mydata", "/delete_me"):
        assert command in help_text.text
    assert where_we_are.text == "Which sector do you belong to?", "the citizen knows where they are"


async def test_mine_in_the_middle_of_a_draft_then_asks_the_current_question_again(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.press_data("menu:new")
    await citizen.press_data("axis:4")
    mine, where_we_are = await citizen.send("/mine")
    assert "UIO-0001" in mine.text
    assert where_we_are.text.startswith("Which open-government pillar")


async def test_help_says_when_the_consultation_is_closed(citizen: Citizen, services: Services) -> None:
    closed = Citizen(
        Engine(replace(services, clock=lambda: datetime(2028, 1, 10, tzinfo=UTC))),
        citizen.delivery,
        citizen.sender,
        citizen.next_event_id,
        "777",
    )
    [reply] = await closed.send("/help")
    assert reply.text.startswith("La recepción de propuestas para el Plan Estratégico")
    assert "cerró el 31 de diciembre de 2027. Aún puedes seguir las tuyas con /mine." in reply.text
    [welcome] = await closed.send("/start")
    assert "cerró el 31 de diciembre de 2027" in welcome.text and "Aquí puedes enviar" not in welcome.text


async def test_the_language_is_named_in_lower_case_inside_a_spanish_sentence(citizen: Citizen) -> None:
    await consent(citizen, "es")
    await citizen.send("/language")
    await citizen.press("Español")
    assert citizen.last.text.startswith("Listo: hablaré contigo en español.")


async def test_privacy_shows_the_notice_at_any_point(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.send("/privacy")
    assert "Privacy notice" in citizen.last.text and "15 days" in citizen.last.text


async def test_cancel_in_the_middle(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:3")
    await citizen.send("/cancel")
    assert "discarded" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.step == "idle"
    await citizen.send("/cancel")
    assert "nothing to cancel" in citizen.last.text


async def test_new_starts_over(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.send("/new")
    assert "previous draft was discarded" in citizen.inbox[-2].text
    assert "thematic axis" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and (conversation.step, conversation.draft) == ("axis", {})


async def test_start_continues_where_the_citizen_was(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:3")
    await citizen.send("/start")
    assert "Welcome back" in citizen.last.text and "pillar" in citizen.last.text


async def test_language_can_change_mid_conversation(citizen: Citizen, database: Database) -> None:
    await consent(citizen, "en")
    await skip_profile(citizen)
    await citizen.send("/language")
    assert set(citizen.labels()) >= {"Español", "English"}
    await citizen.press("Español")
    assert "eje temático" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.language == "es"
    assert conversation.participant.language == "es"


async def test_commands_before_consent(make_citizen: Callable[..., Citizen]) -> None:
    citizen = make_citizen(language_code="en")
    await citizen.send("/privacy")
    assert "Privacy notice" in citizen.last.text and "/start" in citizen.last.text
    await citizen.send("/mine")
    assert "not sent any proposal" in citizen.last.text
    await citizen.send("/new")
    assert "Privacy notice" in citizen.last.text
