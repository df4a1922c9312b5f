"""A citizen writes a proposal from start to finish, and the details along the way."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from storage.database import Database
from storage.models import OutboxMessage, Participant, Proposal
from tests.driver import Citizen
from tests.unit.story import (
    CONTRIBUTION,
    PROBLEM,
    SOLUTION,
    consent,
    conversation_of,
    count,
    proposals,
    reach_review,
    skip_profile,
    write_proposal,
)


async def test_citizen_sends_a_proposal_and_gets_a_tracking_code(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    assert "Please review your proposal" in citizen.last.text
    assert PROBLEM in citizen.last.text

    await citizen.press("Send proposal")

    assert "Your tracking code is UIO-0001" in citizen.last.text
    assert "/mine" in citizen.last.text
    [proposal] = await proposals(database)
    assert (proposal.code, proposal.axis_id, proposal.pillar_id) == ("UIO-0001", "4", "transparency")
    assert (proposal.problem, proposal.solution, proposal.contribution) == (PROBLEM, SOLUTION, CONTRIBUTION)
    assert (proposal.sector, proposal.zone, proposal.age_range) == ("academia", "quitumbe", "30-44")
    assert (proposal.language, proposal.status, proposal.channel) == ("en", "received", "telegram")
    assert (proposal.participant_pseudonym or "").startswith("P-")
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.step == "idle" and conversation.draft == {}


async def test_an_app_in_a_language_we_offer_gets_the_notice_at_once(make_citizen: Callable[..., Citizen]) -> None:
    citizen = make_citizen(language_code="en-GB")  # Telegram reports the app's language
    [first] = await citizen.send("/start")
    assert first.text.startswith("Welcome! Here you can send your proposals") and "Privacy notice" in first.text
    assert citizen.labels() == ["I accept", "No, thank you", "Read the full notice", "Español"], "Spanish a tap away"
    await citizen.press("Español")
    assert "Aviso de privacidad" in citizen.last.text
    assert citizen.labels() == ["Acepto", "No, gracias", "Leer el aviso completo"]
    await citizen.press("Acepto")
    assert "¿A qué sector perteneces?" in citizen.last.text


async def test_an_app_in_a_language_we_do_not_offer_is_asked_for_one(make_citizen: Callable[..., Citizen]) -> None:
    citizen = make_citizen(language_code="fr")
    await citizen.send("/start")
    assert "Elige tu idioma · Choose your language" in citizen.last.text
    assert citizen.labels() == ["Español", "English"]


async def test_the_steps_come_in_the_designed_order(make_citizen: Callable[..., Citizen]) -> None:
    citizen = make_citizen(language_code="")  # an app that does not say its language (WhatsApp's)
    await citizen.send("/start")
    assert "Choose your language" in citizen.last.text
    await citizen.press("English")
    assert "Privacy notice" in citizen.last.text and "Telegram" in citizen.last.text
    assert citizen.labels() == ["I accept", "No, thank you", "Read the full notice"]
    await citizen.press("I accept")
    assert "Which sector" in citizen.last.text
    await citizen.press("Academia")
    assert "Where do you live?" in citizen.last.text
    await citizen.press("Quitumbe")
    assert "age range" in citizen.last.text
    await citizen.press("Prefer not to say")
    assert "thematic axis" in citizen.last.text
    assert "Sustainable Mobility" in citizen.labels()
    await citizen.press("Sustainable Mobility")
    assert "open-government pillar" in citizen.last.text
    await citizen.press("Citizen participation")
    assert "Describe the problem" in citizen.last.text
    await citizen.send(PROBLEM)
    assert "What do you propose" in citizen.last.text
    await citizen.send(SOLUTION)
    assert "How would your proposal help" in citizen.last.text
    await citizen.send(CONTRIBUTION)
    assert "Please review your proposal" in citizen.last.text, "a location or photos are offered here, not asked"
    assert "Add location or photos" in citizen.labels()


async def test_one_button_skips_every_question_about_the_person(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    assert "or all three at once" in citizen.last.text
    assert citizen.labels()[-2:] == ["Prefer not to say", "Skip these questions"]
    before = len(citizen.inbox)
    await citizen.press("Skip these questions")
    assert "thematic axis" in citizen.last.text, "straight to the proposal"
    assert len(citizen.inbox) == before + 1, "one message instead of three"
    await write_proposal(citizen)
    await citizen.press_data("review:send")
    [proposal] = await proposals(database)
    assert (proposal.sector, proposal.zone, proposal.age_range) == (None, None, None), "nothing about the person"
    async with database.sessions() as session:
        [person] = (await session.execute(select(Participant))).scalars()
    assert person.profile_done, "not asked again"
    await citizen.press("Write another proposal")
    assert "thematic axis" in citizen.last.text


async def test_a_pressed_answer_shows_in_place_of_its_buttons_with_the_next_question(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)

    [pillars] = await citizen.replay(citizen.incoming(content_type="button", choice="axis:4", message_id="77"))

    assert (pillars.replaces, pillars.answered) == ("77", "Sustainable Mobility"), "where the axes' buttons were"
    assert "open-government pillar" in pillars.text and not pillars.text.startswith("✓"), "the channel adds it"
    [problem] = await citizen.replay(citizen.incoming(content_type="button", choice="pillar:transparency"))
    assert problem.replaces is None, "a press the channel cannot place (no message id) gets a new message"
    await citizen.send(PROBLEM)
    await citizen.send(SOLUTION)
    await citizen.send(CONTRIBUTION)
    [axes_again] = await citizen.replay(citizen.incoming(content_type="button", choice="edit:axis", message_id="80"))
    [review] = await citizen.replay(citizen.incoming(content_type="button", choice="axis:1", message_id="81"))
    assert "thematic axis" in axes_again.text and "Please review your proposal" in review.text
    assert (axes_again.replaces, review.replaces) == (None, None), "the review and its edits are always shown anew"


async def test_skipping_every_question_is_offered_only_on_the_first(citizen: Citizen) -> None:
    await consent(citizen)
    await citizen.press_data("sector:academia")
    assert "Skip these questions" not in citizen.labels()
    before = len(citizen.inbox)
    await citizen.press_data("zone:skip_all")  # a forged or stale button
    assert len(citizen.inbox) == before + 1 and "Where do you live?" in citizen.last.text, "asked again"


async def test_the_profile_is_asked_once_per_participant(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.press("Write another proposal")
    assert "thematic axis" in citizen.last.text
    await write_proposal(citizen)
    await citizen.press_data("review:send")
    assert "UIO-0002" in citizen.last.text
    assert [p.sector for p in await proposals(database)] == ["academia", "academia"]


async def test_skipped_profile_questions_store_nothing(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await write_proposal(citizen)
    await citizen.press_data("review:send")
    [proposal] = await proposals(database)
    assert (proposal.sector, proposal.zone, proposal.age_range) == (None, None, None)


async def test_refusing_consent_ends_politely_and_stores_nothing(citizen: Citizen, database: Database) -> None:
    await citizen.send("/start")
    await citizen.press_data("lang:en")
    await citizen.press("No, thank you")
    assert "Nothing about you has been stored" in citizen.last.text
    assert await count(database, Participant) == 0
    assert await conversation_of(database, citizen.user_id) is None
    assert await count(database, OutboxMessage) == 0


async def test_nothing_is_stored_before_consent_even_when_typing(citizen: Citizen, database: Database) -> None:
    await citizen.send("Hola, quiero proponer algo")
    assert "Aviso de privacidad" in citizen.last.text
    await citizen.press_data("lang:en")
    assert "Privacy notice" in citizen.last.text
    await citizen.send("I want to write without accepting")
    assert "Aviso de privacidad" in citizen.last.text, "the notice again (not even the language is kept before)"
    assert await count(database, Participant) == 0


async def test_location_and_photos_travel_with_the_proposal(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:1")
    await citizen.press_data("pillar:integrity")
    await citizen.send(PROBLEM)
    await citizen.send(SOLUTION)
    await citizen.send(CONTRIBUTION)
    assert "Please review your proposal" in citizen.last.text
    await citizen.send_location(-0.2298, -78.5249)  # sent at the review: taken, without pressing its button
    assert "Location saved" in citizen.last.text
    await citizen.send_kind("photo", attachment_ids=("small", "photo-large"))
    assert citizen.labels() == ["Continue", "Remove the location", "Remove the photos"]
    await citizen.press("Continue")
    assert "Location: yes · Photos: 1" in citizen.last.text
    await citizen.press_data("review:send")
    [proposal] = await proposals(database)
    assert (proposal.latitude, proposal.longitude, proposal.attachments) == (-0.2298, -78.5249, ["photo-large"])


async def test_mine_lists_proposals_with_their_status(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.send("/mine")
    assert "not sent any proposal" in citizen.last.text
    await citizen.press_data("review:send")
    await citizen.send("/mine")
    assert "UIO-0001" in citizen.last.text and "Received" in citizen.last.text
    assert "Sustainable Mobility" in citizen.last.text


async def test_two_citizens_get_their_own_codes(make_citizen: Callable[..., Citizen], database: Database) -> None:
    ana, luis = make_citizen("601"), make_citizen("602")
    await reach_review(ana)
    await reach_review(luis)
    await luis.press_data("review:send")
    await ana.press_data("review:send")
    assert "UIO-0001" in luis.last.text and "UIO-0002" in ana.last.text
    assert len({p.participant_pseudonym for p in await proposals(database)}) == 2


async def test_spanish_is_the_default_language(make_citizen: Callable[..., Citizen]) -> None:
    citizen = make_citizen(language_code="")
    await citizen.send("/start")
    assert "Elige tu idioma" in citizen.last.text
    await citizen.press("Español")
    assert "Aviso de privacidad" in citizen.last.text


async def test_sending_twice_stores_one_proposal(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.press_data("review:send")
    assert "earlier message" in citizen.last.text
    assert len(await proposals(database)) == 1


async def test_proposals_are_kept_in_the_database_row_not_in_memory(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None
    assert conversation.step == "review"
    assert conversation.draft["problem"] == PROBLEM
    assert conversation.version > 1


__all__ = ["Proposal"]
