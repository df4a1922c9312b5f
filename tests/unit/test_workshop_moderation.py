"""Moderators clarify a workshop table's proposals with the facilitator who entered them, and answer them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.outbox.delivery import Delivery
from handlers.actors import operator
from handlers.engine import Engine
from handlers.messages import Address
from handlers.moderation.actions import Unreachable, ask_author
from handlers.moderation.threads import record_sent
from handlers.services import Services
from storage.database import Database
from storage.models import ThreadMessage
from storage.uow import UnitOfWork
from tests.driver import Citizen, Counter, Moderator, RecordingSender, fast_pacer
from tests.unit.story import proposals
from tests.unit.workshop_story import a_workshop, enter_proposal, make_staff, sit_at_table

GROUP = "-100200"


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(replace(services, moderators=Address("telegram", GROUP)))


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def counter() -> Counter:
    """One source of event ids for everyone in a test: the engine processes an event id once."""
    return Counter()


@pytest.fixture
def make_citizen(
    engine: Engine, services: Services, sender: RecordingSender, counter: Counter
) -> Callable[..., Citizen]:
    delivery = Delivery(services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    return lambda user_id="501", language_code="es": Citizen(engine, delivery, sender, counter, user_id, language_code)


@pytest.fixture
async def facilitator(make_citizen: Callable[..., Citizen], database: Database, services: Services) -> Citizen:
    await a_workshop(services)
    await make_staff(database, "700", "facilitator")
    someone = make_citizen(user_id="700", language_code="en")
    await sit_at_table(someone)
    await enter_proposal(someone)
    return someone


@pytest.fixture
async def moderator(facilitator: Citizen, database: Database, counter: Counter) -> Moderator:
    await make_staff(database, "900", "moderator")
    return Moderator(facilitator.engine, facilitator.delivery, facilitator.sender, counter, "900", GROUP)


async def thread(database: Database) -> list[tuple[str, str, str]]:
    async with database.sessions() as session:
        rows = (await session.execute(select(ThreadMessage).order_by(ThreadMessage.id))).scalars()
        return [(m.direction, m.text, m.actor) for m in rows]


def message_id_of(citizen: Citizen, contains: str) -> str:
    """The id the recording sender gave the latest message to the citizen containing ``contains``."""
    for number, message in reversed(list(enumerate(citizen.sender.sent, start=1))):
        if message.to.chat_id == citizen.user_id and contains in message.text:
            return str(number)
    raise AssertionError(f"no message contains {contains!r}")


async def test_a_follow_up_question_goes_to_the_facilitator_who_answers_it(
    facilitator: Citizen, moderator: Moderator, database: Database
) -> None:
    await facilitator.send("/fin")
    card = moderator.find("UIO-0001")

    await moderator.reply(card, "¿Cuántas paradas no tienen luz?")

    question = facilitator.last
    assert question.to == Address("telegram", "700")
    assert question.text.startswith("Question from the team about UIO-0001, a proposal of table 1 (Taller Calderón):")
    assert "¿Cuántas paradas no tienen luz?" in question.text
    assert moderator.group_messages()[-1][1].text == "Pregunta enviada al facilitador de UIO-0001."

    asked = message_id_of(facilitator, "¿Cuántas paradas")
    await facilitator.replay(
        facilitator.incoming(content_type="text", text="Unas doce, según la mesa.", reply_to=asked)
    )
    assert facilitator.last.text == "Thank you! Your answer was sent to the team."
    answer = moderator.group_messages()[-1][1]
    assert answer.text == "Respuesta del facilitador de UIO-0001:\n\nUnas doce, según la mesa."
    assert answer.reply_to == card, "threaded under the proposal's card"

    await moderator.press("mod:ask:1")
    await moderator.reply(moderator.find("Responde a este mensaje con tu pregunta"), "¿Desde cuándo?")
    await facilitator.press("Answer")
    assert "Write your answer to the team about UIO-0001" in facilitator.last.text
    await facilitator.send("Desde 2024.")
    assert facilitator.last.text == "Thank you! Your answer was sent to the team."
    assert await thread(database) == [
        ("question", "¿Cuántas paradas no tienen luz?", "moderator:staff-2"),
        ("answer", "Unas doce, según la mesa.", "facilitator:staff-1"),
        ("question", "¿Desde cuándo?", "moderator:staff-2"),
        ("answer", "Desde 2024.", "facilitator:staff-1"),
    ]


async def test_answering_in_the_middle_of_a_table_comes_back_to_it(
    facilitator: Citizen, moderator: Moderator, database: Database
) -> None:
    await facilitator.press_data("axis:4")
    await moderator.reply(moderator.find("UIO-0001"), "¿Qué barrio?")
    await facilitator.press("Answer")
    await facilitator.send("/cancel")
    assert "Let's continue with the table's proposals." in facilitator.last.text
    assert "open-government pillar" in facilitator.last.text
    await facilitator.press_data("answer:1")
    await facilitator.send("Carapungo.")
    assert "open-government pillar" in facilitator.last.text, "back at the proposal being written"
    await enter_proposal(facilitator, axis=None)
    assert [p.code for p in await proposals(database)] == ["UIO-0001", "UIO-0002"]


async def test_a_reasoned_answer_reaches_the_facilitator(facilitator: Citizen, moderator: Moderator) -> None:
    await moderator.press("mod:set:1:accepted")
    await moderator.reply(moderator.find("respuesta motivada"), "Se incluye en el compromiso 4.")
    notice = facilitator.last
    assert notice.text == (
        "Update on UIO-0001, a proposal of table 1 (Taller Calderón): Accepted.\n\n"
        "The team's answer:\nSe incluye en el compromiso 4."
    )
    assert moderator.group_messages()[-1][1].text == "UIO-0001 ahora está: Aceptada. Se notificó al facilitador."


async def test_when_the_facilitator_left_nobody_can_be_asked(
    facilitator: Citizen, moderator: Moderator, database: Database
) -> None:
    async with UnitOfWork(database) as uow:
        assert await uow.staff.remove("telegram", "700")
        await uow.commit()
    await moderator.reply(moderator.find("UIO-0001"), "¿Siguen ahí?")
    reply = moderator.group_messages()[-1][1].text
    assert reply == "Ya no se puede contactar al facilitador que ingresó esta propuesta."
    await moderator.press("mod:set:1:in_review")
    assert moderator.group_messages()[-1][1].text.endswith("Ya no se puede contactar al facilitador.")


async def test_someone_else_cannot_answer_for_the_table(
    facilitator: Citizen, moderator: Moderator, make_citizen: Callable[..., Citizen], database: Database
) -> None:
    await make_staff(database, "701", "facilitator")
    other = make_citizen(user_id="701", language_code="en")
    await moderator.reply(moderator.find("UIO-0001"), "¿Qué barrio?")
    await other.press_data("answer:1")
    assert "Write your answer" not in other.last.text, "the button is handled as anyone else's"
    await other.send("Respondo yo.")
    assert [d for d, _, _ in await thread(database)] == ["question"]


async def test_a_facilitator_in_the_moderators_group_is_ignored(
    facilitator: Citizen, moderator: Moderator, counter: Counter
) -> None:
    intruder = Moderator(facilitator.engine, facilitator.delivery, facilitator.sender, counter, "700", GROUP)
    before = len(facilitator.sender.sent)
    await intruder.press("mod:hide:1")
    await intruder.reply(moderator.find("UIO-0001"), "Pregunta de la facilitadora.")
    assert len(facilitator.sender.sent) == before


async def test_an_imported_proposal_without_a_facilitator_cannot_be_asked_about(
    services: Services, database: Database
) -> None:
    from handlers.intake.draft import Draft
    from handlers.workshops.entry import EnteredBy, Seat, store_proposal

    workshop_id = await a_workshop(services)
    async with services.uow() as uow:
        workshop = await uow.workshops.get(workshop_id)
        assert workshop is not None
        draft = Draft(axis="4", pillar="integrity", problem="x" * 30, solution="y" * 30, contribution="z" * 20)
        proposal = await store_proposal(
            uow, services, Seat(workshop, 2), draft, EnteredBy(operator(), "spreadsheet", "es")
        )
        with pytest.raises(Unreachable):
            await ask_author(uow, services, operator(), proposal, "¿Quién la escribió?")
