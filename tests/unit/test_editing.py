"""From the review, every field can be edited; the others are kept."""

from __future__ import annotations

import pytest

from storage.database import Database
from tests.driver import Citizen
from tests.unit.story import CONTRIBUTION, PROBLEM, SOLUTION, conversation_of, reach_review

NEW_TEXT = "Un texto nuevo y suficientemente largo para la propuesta."


@pytest.mark.parametrize("field", ["problem", "solution", "contribution"])
async def test_edit_a_text_field(citizen: Citizen, database: Database, field: str) -> None:
    await reach_review(citizen)
    await citizen.press_data(f"edit:{field}")
    assert "Your current text" in citizen.last.text
    await citizen.send(NEW_TEXT)
    assert "Please review your proposal" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None
    expected = {"problem": PROBLEM, "solution": SOLUTION, "contribution": CONTRIBUTION} | {field: NEW_TEXT}
    assert {k: conversation.draft[k] for k in expected} == expected


async def test_edit_the_axis(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press("Edit axis")
    await citizen.press("Metropolitan Management")
    assert "Please review" in citizen.last.text and "Metropolitan Management" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.draft["axis"] == "6"
    assert conversation.draft["pillar"] == "transparency"


async def test_edit_the_pillar(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press("Edit pillar")
    await citizen.press("Integrity")
    assert "Pillar: Integrity" in citizen.last.text


async def test_edit_location_and_photos(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press("Add location or photos")
    await citizen.send_location(-0.18, -78.47)
    await citizen.press("Continue")
    assert "Location: yes" in citizen.last.text


async def test_a_bad_edit_keeps_the_old_text(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press_data("edit:solution")
    await citizen.send("no")
    assert "at least 20 characters" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.draft["solution"] == SOLUTION


async def test_cancel_from_the_review_asks_first_then_discards_the_draft(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press("Cancel")
    assert citizen.last.text == "Discard this proposal? Nothing will be sent."
    await citizen.press("No, keep it")
    assert "Please review your proposal" in citizen.last.text, "kept: back at the review"
    await citizen.press("Cancel")
    await citizen.press("Yes, discard it")
    assert "discarded" in citizen.last.text
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and (conversation.step, conversation.draft) == ("idle", {})


async def test_a_location_or_photos_can_be_removed_at_the_review(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press("Add location or photos")
    await citizen.send_location(-0.18, -78.47)
    await citizen.send_kind("photo", attachment_ids=("photo-1",))
    assert citizen.labels() == ["Continue", "Remove the location", "Remove the photos"]
    await citizen.press("Remove the location")
    assert citizen.last.text.startswith("Location removed.") and citizen.labels() == ["Continue", "Remove the photos"]
    await citizen.press("Remove the photos")
    await citizen.press("Skip")
    assert "Location: no · Photos: 0" in citizen.last.text


async def test_a_location_off_the_map_is_refused(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press("Add location or photos")
    await citizen.send_location(123.0, -78.47)
    assert citizen.last.text.startswith("That location is not on the map.")
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and "location" not in conversation.draft


async def test_explanations_of_the_options(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press_data("edit:axis")
    await citizen.press("What do these mean?")
    assert "Sustainable Mobility:" in citizen.last.text
    assert "Sustainable Mobility" in citizen.labels(), "the options are offered again"
