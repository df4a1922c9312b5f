"""Citizens see the data kept about them, and delete it (LOPDP rights)."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import Database
from storage.models import AuditEntry, OutboxMessage, Participant, ThreadMessage
from tests.driver import Citizen
from tests.unit.story import conversation_of, count, proposals, reach_review


async def test_mydata_shows_what_is_kept(citizen: Citizen) -> None:
    await citizen.send("/mydata")
    assert citizen.last.text == "No guardamos ningún dato sobre ti.", "before consent: the phone's language"
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.send("/mydata")
    text = citizen.last.text
    for expected in (
        "Participant code: P-",
        "Sector: Academia",
        "Zone: Quitumbe",
        "Age range: 30 to 44",
        f"chat id, to answer you: {citizen.user_id}",
        "UIO-0001 (Received)",
        "/delete_me",
    ):
        assert expected in text


async def test_delete_me_erases_the_person_and_keeps_proposals_anonymised(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.send("/ask ¿Cuándo hay resultados?")
    await citizen.send("/delete_me")
    await citizen.press("No, keep it")
    assert "Nothing was deleted" in citizen.last.text
    assert await count(database, Participant) == 1

    await citizen.send("/delete_me")
    await citizen.press("Yes, delete my data")

    assert "Your data has been deleted" in citizen.last.text
    assert await count(database, Participant) == 0
    assert await conversation_of(database, citizen.user_id) is None
    [proposal] = await proposals(database)
    assert proposal.participant_id is None and proposal.problem, "the proposal stays, unlinked"
    assert await count(database, ThreadMessage) == 0, "the /ask question was the person's, not a proposal's"
    assert await count(database, OutboxMessage) == 0
    async with database.sessions() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "delete_participant" in actions

    await citizen.send("/start")
    assert "Aviso de privacidad" in citizen.last.text, "a stranger again: asked for consent"
