"""A facilitator enters the proposals of a workshop table in the chat, one after another; nobody else can."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from handlers.engine import Engine
from handlers.messages import Address
from handlers.services import Services
from storage.database import Database
from storage.models import AuditEntry, FacilitatorChat, Participant, WorkshopOrigin
from tests.driver import Citizen, RecordingSender
from tests.unit.story import CONTRIBUTION, SOLUTION, consent, conversation_of, count, proposals, reach_review
from tests.unit.workshop_story import TABLE_PROBLEM, a_workshop, enter_proposal, make_staff, sit_at_table

GROUP = "-100200"


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(replace(services, moderators=Address("telegram", GROUP)))


@pytest.fixture
async def facilitator(make_citizen: Callable[..., Citizen], database: Database, services: Services) -> Citizen:
    await a_workshop(services, table_axes={2: "4"})
    await make_staff(database, "700", "facilitator")
    return make_citizen(user_id="700", language_code="en")


def group_cards(sender: RecordingSender) -> list[str]:
    return [m.text for m in sender.sent if m.to.chat_id == GROUP]


async def origins(database: Database) -> list[WorkshopOrigin]:
    async with database.sessions() as session:
        return list((await session.execute(select(WorkshopOrigin).order_by(WorkshopOrigin.proposal_id))).scalars())


async def facilitator_chats(database: Database) -> list[FacilitatorChat]:
    async with database.sessions() as session:
        return list((await session.execute(select(FacilitatorChat))).scalars())


async def test_a_facilitator_enters_two_proposals_of_a_table(facilitator: Citizen, database: Database) -> None:
    await facilitator.send("/taller")
    assert "Which workshop are you entering proposals for?" in facilitator.last.text
    assert facilitator.labels() == ["W1 · Taller Calderón · Nov 21, 2026"]
    await facilitator.press("W1 · Taller Calderón · Nov 21, 2026")
    assert "Which table of Taller Calderón?" in facilitator.last.text
    assert facilitator.labels() == ["Table 1", "Table 2 · Sustainable Mobility", "Table 3"]
    await facilitator.press("Table 1")
    assert "did everyone at the table sign the paper consent form?" in facilitator.last.text
    await facilitator.press("Yes, everyone signed")
    assert "thematic axis" in facilitator.last.text, "the citizen's proposal steps, without the profile"

    first = await enter_proposal(facilitator, "12")
    assert "Please review the proposal of table 1" in facilitator.inbox[-2].text
    assert "People at the table who back it: 12" in facilitator.inbox[-2].text
    assert "Entered with the tracking code UIO-0001. Table 1 has 1 proposal." in facilitator.last.text
    assert "Next proposal of table 1" in facilitator.last.text and "thematic axis" in facilitator.last.text
    second = await enter_proposal(facilitator, "3", axis="1", problem="Faltan veredas seguras junto a la escuela.")
    await facilitator.send("/fin")

    assert (first, second) == ("UIO-0001", "UIO-0002")
    assert facilitator.last.text == "Workshop mode ended. Table 1 of Taller Calderón has 2 proposals."
    stored = await proposals(database)
    assert [(p.code, p.source, p.axis_id, p.problem) for p in stored] == [
        ("UIO-0001", "workshop", "4", TABLE_PROBLEM),
        ("UIO-0002", "workshop", "1", "Faltan veredas seguras junto a la escuela."),
    ]
    assert {(p.participant_id, p.participant_pseudonym, p.sector, p.age_range) for p in stored} == {
        (None, None, None, None)
    }, "a table's proposal has no participant and no profile"
    assert {(p.zone, p.solution, p.contribution) for p in stored} == {("calderon", SOLUTION, CONTRIBUTION)}
    assert [(o.workshop_id, o.table_number, o.backers, o.entered_by, o.staff_id) for o in await origins(database)] == [
        (1, 1, 12, "facilitator:staff-1", 1),
        (1, 1, 3, "facilitator:staff-1", 1),
    ]
    assert await count(database, Participant) == 0, "the facilitator is staff, not a participant"
    [chat] = await facilitator_chats(database)
    assert (chat.step, chat.workshop_id, chat.table_number, chat.draft, chat.language) == ("idle", None, None, {}, "en")


async def test_moderators_see_the_workshop_and_table_on_the_card(
    facilitator: Citizen, database: Database, services: Services
) -> None:
    await sit_at_table(facilitator)
    await enter_proposal(facilitator, "12")
    [card] = group_cards(facilitator.sender)
    assert card.startswith("Nueva propuesta UIO-0001\n\nTaller: Taller Calderón (W1, 21 nov 2026) · mesa 1")
    assert "la respaldan 12 personas" in card and TABLE_PROBLEM in card and "Calderón" in card


async def test_chat_and_workshop_proposals_share_one_sequence_of_codes(
    facilitator: Citizen, citizen: Citizen, database: Database
) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await sit_at_table(facilitator)
    await enter_proposal(facilitator)
    await citizen.press("Write another proposal")
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:transparency")
    for text in (TABLE_PROBLEM, SOLUTION, CONTRIBUTION):
        await citizen.send(text)
    await citizen.press_data("review:send")
    assert [(p.code, p.source) for p in await proposals(database)] == [
        ("UIO-0001", "chat"),
        ("UIO-0002", "workshop"),
        ("UIO-0003", "chat"),
    ]


async def test_a_table_about_one_axis_starts_with_it(facilitator: Citizen, database: Database) -> None:
    await sit_at_table(facilitator, table=2)
    assert "This table works on Sustainable Mobility" in facilitator.last.text
    assert "open-government pillar" in facilitator.last.text, "the axis question is skipped"
    await enter_proposal(facilitator, axis=None)
    await sit_at_table(facilitator, table=2)
    await facilitator.press_data("pillar:integrity")
    for text in (TABLE_PROBLEM, SOLUTION, CONTRIBUTION):
        await facilitator.send(text)
    await facilitator.send("4")
    await facilitator.press_data("edit:axis")
    await facilitator.press_data("axis:2")
    assert "Thematic axis: Work, Economy" in facilitator.last.text, "back on the review with the new axis"
    await facilitator.press_data("review:send")
    assert [(p.axis_id, p.pillar_id) for p in await proposals(database)] == [
        ("4", "participation"),
        ("2", "integrity"),
    ]


async def test_backers_is_a_number_within_bounds(facilitator: Citizen, database: Database) -> None:
    await sit_at_table(facilitator)
    await facilitator.press_data("axis:4")
    await facilitator.press_data("pillar:participation")
    for text in (TABLE_PROBLEM, SOLUTION, CONTRIBUTION):
        await facilitator.send(text)
    assert "How many people at the table back this proposal?\n(a number from 1 to 500)" in facilitator.last.text
    for wrong in ("muchos", "0", "501", "9" * 40):
        await facilitator.send(wrong)
        assert facilitator.last.text.startswith("Please type a number from 1 to 500."), wrong
    await facilitator.send_kind("sticker")
    assert "I can only read text here" in facilitator.last.text
    await facilitator.send(" 25 ")
    assert "People at the table who back it: 25" in facilitator.last.text
    await facilitator.press_data("edit:backers")
    assert "Now: 25" in facilitator.last.text
    await facilitator.send("30")
    await facilitator.press_data("review:send")
    assert [o.backers for o in await origins(database)] == [30]


async def test_without_the_paper_consent_nothing_is_entered(facilitator: Citizen, database: Database) -> None:
    await facilitator.send("/taller")
    await facilitator.press_data("ws:w:1")
    await facilitator.press_data("ws:t:3")
    await facilitator.press("Not yet")
    assert "cannot be entered yet" in facilitator.last.text and "/taller" in facilitator.last.text
    await facilitator.send("Un problema escrito sin consentimiento de la mesa.")
    assert "Welcome!" in facilitator.last.text, "out of the mode: the chat is a citizen's"
    assert await proposals(database) == []
    assert [chat.step for chat in await facilitator_chats(database)] == ["idle"]
    async with database.sessions() as session:
        actions = [e.action for e in (await session.execute(select(AuditEntry))).scalars()]
    assert "workshop.consent" not in actions


async def test_the_consent_is_confirmed_once_per_table_and_audited(facilitator: Citizen, database: Database) -> None:
    await sit_at_table(facilitator, table=3)
    async with database.sessions() as session:
        [entry] = [e for e in (await session.execute(select(AuditEntry))).scalars() if e.action == "workshop.consent"]
    assert (entry.actor, entry.target, entry.detail) == ("facilitator:staff-1", "W1", {"table": 3})


async def test_cancel_help_and_other_commands_in_the_mode(facilitator: Citizen, database: Database) -> None:
    await sit_at_table(facilitator)
    await facilitator.press_data("axis:4")
    await facilitator.send("/help")
    assert facilitator.last.text.startswith("You are entering the proposals of table 1 of Taller Calderón.")
    assert "/fin" in facilitator.last.text and "/cancel" in facilitator.last.text
    await facilitator.send("/mine")
    assert facilitator.last.text.startswith("You are in workshop mode: send /fin to leave it first.")
    assert "open-government pillar" in facilitator.last.text, "and the question where they are"
    await facilitator.send("/cancel")
    assert facilitator.last.text.startswith("The proposal was discarded.")
    assert "thematic axis" in facilitator.last.text, "the table's next proposal starts over"
    await facilitator.press_data("pillar:integrity")
    assert "That button belongs to an earlier message" in facilitator.last.text
    await facilitator.press_data("axis:99")
    assert "did not understand that button" in facilitator.last.text
    await facilitator.press_data("ws:t:2")
    assert "That button belongs to an earlier message" in facilitator.last.text
    await facilitator.send("texto suelto")
    assert "Please choose one of the options with the buttons." in facilitator.last.text
    await facilitator.press_data("axis:4")
    await facilitator.send("/taller")
    assert facilitator.last.text.startswith("The proposal being written was discarded.")
    assert "Which workshop" in facilitator.last.text
    await facilitator.send("/cancel")
    assert facilitator.last.text == "Workshop mode ended."
    assert await proposals(database) == []


async def test_the_mode_ends_for_someone_who_is_no_longer_a_facilitator(
    facilitator: Citizen, database: Database
) -> None:
    await sit_at_table(facilitator)
    await make_staff(database, "700", "analyst")
    await facilitator.press_data("axis:4")
    assert "Privacy notice" in facilitator.last.text, "handled as anyone else's chat"
    assert await facilitator_chats(database) == []


async def test_a_facilitator_who_is_also_a_citizen_keeps_their_own_draft(
    make_citizen: Callable[..., Citizen], database: Database, services: Services
) -> None:
    await a_workshop(services)
    ana = make_citizen(user_id="701", language_code="en")
    await consent(ana)
    for skip in ("sector:skip", "zone:skip", "age:skip", "axis:3"):
        await ana.press_data(skip)
    await make_staff(database, "701", "facilitator")
    await sit_at_table(ana)
    await enter_proposal(ana)
    await ana.send("/fin")
    await ana.send("/start")
    assert "Welcome back" in ana.last.text and "open-government pillar" in ana.last.text
    conversation = await conversation_of(database, "701")
    assert conversation is not None and (conversation.step, conversation.draft) == ("pillar", {"axis": "3"})
    [stored] = await proposals(database)
    assert stored.participant_id is None, "a table's proposal is not the facilitator's own"


async def test_with_no_workshop_the_facilitator_is_told_how_to_add_one(
    make_citizen: Callable[..., Citizen], database: Database
) -> None:
    await make_staff(database, "702", "facilitator")
    someone = make_citizen(user_id="702", language_code="en")
    await someone.send("/workshop")
    assert someone.last.text == "There are no workshops yet. An administrator adds them with: cocrea workshops add"
    assert [chat.step for chat in await facilitator_chats(database)] == ["idle"]


@pytest.mark.parametrize("role", ["analyst", "moderator", None])
async def test_nobody_else_can_enter_the_mode(
    make_citizen: Callable[..., Citizen], database: Database, services: Services, role: str | None
) -> None:
    await a_workshop(services)
    if role is not None:
        await make_staff(database, "800", role)
    someone = make_citizen(user_id="800", language_code="en")
    await consent(someone)
    [unknown] = await someone.send("/frobnicate")
    for command in ("/taller", "/workshop", "/fin"):
        [reply] = await someone.send(command)
        assert reply.text == unknown.text.replace("/frobnicate", command), "the answer to an unknown command"
    await someone.send("/help")
    assert "/taller" not in someone.last.text
    await someone.press_data("ws:w:1")
    assert "did not understand that button" in someone.last.text
    assert await facilitator_chats(database) == [] and await proposals(database) == []


async def test_facilitators_see_taller_in_help_and_may_not_export(facilitator: Citizen) -> None:
    await facilitator.send("/help")
    assert "/taller — Enter the proposals of a workshop table (facilitators)" in facilitator.last.text
    assert "/export" not in facilitator.last.text
    for command in ("/export", "/stats"):
        [reply] = await facilitator.send(command)
        assert reply.text.startswith(f"I don't know the command {command}.") and reply.document_path is None


async def test_bad_buttons_and_messages_in_the_mode_change_nothing(facilitator: Citizen, database: Database) -> None:
    await facilitator.send("/taller")
    await facilitator.send("la mesa 1, por favor")
    assert facilitator.last.text.startswith("Please choose one of the options with the buttons.")
    for data in ("ws:w:99", "ws:w:uno", "ws:x:1"):
        await facilitator.press_data(data)
        assert "Which workshop" in facilitator.last.text, data
    await facilitator.press_data("ws:w:1")
    await facilitator.press_data("ws:t:7")
    assert "did not understand that button" in facilitator.last.text and "Which table" in facilitator.last.text
    await facilitator.press_data("ws:t:1")
    await facilitator.press_data("ws:consent:maybe")
    assert "did not understand that button" in facilitator.last.text and "consent form" in facilitator.last.text
    await facilitator.press_data("ws:consent:yes")
    await enter_until_review(facilitator)
    for data in ("review:publish", "edit:sector", "answer:99", "lang:en"):
        await facilitator.press_data(data)
        assert "Please review the proposal of table 1" in facilitator.last.text, data
    await facilitator.press_data("review:cancel")
    assert facilitator.last.text.startswith("The proposal was discarded.") and "thematic axis" in facilitator.last.text
    assert await proposals(database) == []


async def enter_until_review(facilitator: Citizen) -> None:
    await facilitator.press_data("axis:4")
    await facilitator.press_data("pillar:participation")
    for text in (TABLE_PROBLEM, SOLUTION, CONTRIBUTION):
        await facilitator.send(text)
    await facilitator.send("5")


async def test_delete_me_also_forgets_where_their_facilitator_chat_stood(
    make_citizen: Callable[..., Citizen], database: Database, services: Services
) -> None:
    await a_workshop(services)
    ana = make_citizen(user_id="701", language_code="en")
    await consent(ana)
    await make_staff(database, "701", "facilitator")
    await sit_at_table(ana)
    await ana.send("/delete_me")
    assert ana.last.text.startswith("You are in workshop mode: send /fin to leave it first.")
    await ana.send("/fin")
    assert [chat.chat_id for chat in await facilitator_chats(database)] == ["701"], "idle, keeping their language"
    await ana.send("/delete_me")
    await ana.press("Yes, delete my data")
    assert "Your data has been deleted" in ana.last.text
    assert await facilitator_chats(database) == []
