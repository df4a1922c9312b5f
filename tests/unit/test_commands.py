"""Commands work at any point of the conversation."""

from __future__ import annotations

from collections.abc import Callable

from storage.database import Database
from tests.driver import Citizen
from tests.unit.story import consent, conversation_of, reach_review, skip_profile


async def test_help_lists_the_commands(citizen: Citizen) -> None:
    await consent(citizen)
    await citizen.send("/help")
    for command in ("/start", "/new", "/mine", "/language", "/privacy", "/help", "/cancel"):
        assert command in citizen.last.text


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
    assert "Choose your language" in citizen.last.text
