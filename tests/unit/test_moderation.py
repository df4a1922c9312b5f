"""Moderators clarify proposals with their authors and give reasoned answers."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.outbox.delivery import Delivery
from handlers.engine import Engine
from handlers.messages import Address
from handlers.moderation.threads import record_sent
from handlers.services import Services
from storage.database import Database
from storage.models import StatusChange, ThreadMessage
from storage.uow import UnitOfWork
from tests.conftest import NOW
from tests.driver import Citizen, Counter, Moderator, RecordingSender, fast_pacer
from tests.unit.story import conversation_of, proposals, reach_review

GROUP = "-100200"


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(replace(services, moderators=Address("telegram", GROUP)))


@pytest.fixture
def delivery(services: Services, sender: RecordingSender) -> Delivery:
    return Delivery(services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def citizen(engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter) -> Citizen:
    return Citizen(engine, delivery, sender, counter, "501")


async def add_staff(database: Database, user_id: int, role: str) -> None:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", str(user_id), role, "test")
        await uow.commit()


@pytest.fixture
async def moderator(
    engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter, database: Database
) -> Moderator:
    await add_staff(database, 900, "moderator")
    return Moderator(engine, delivery, sender, counter, "900", GROUP)


async def submitted(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")


async def thread(database: Database) -> list[tuple[str, str]]:
    async with database.sessions() as session:
        rows = (await session.execute(select(ThreadMessage).order_by(ThreadMessage.id))).scalars()
        return [(m.direction, m.text) for m in rows]


async def test_each_new_proposal_is_posted_to_the_moderators(citizen: Citizen, moderator: Moderator) -> None:
    await submitted(citizen)
    [(_, card)] = moderator.group_messages()
    assert "Nueva propuesta UIO-0001" in card.text and "Movilidad Sostenible" in card.text
    assert [b.id for row in card.choices for b in row] == ["mod:ask:1", "mod:status:1", "mod:hide:1"]
    assert re.search(rf"\b{citizen.user_id}\b", card.text) is None, "moderators see no Telegram id"


async def test_a_question_reaches_the_author_and_the_answer_comes_back(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    card = moderator.find("UIO-0001")

    await moderator.reply(card, "¿En qué paradas exactamente?")

    question = citizen.last
    assert "Question from the team about your proposal UIO-0001" in question.text, "in the author's language"
    assert "¿En qué paradas exactamente?" in question.text
    assert "Pregunta enviada" in moderator.group_messages()[-1][1].text
    question_id = str(citizen.sender.sent.index(question) + 1)  # the id the recording sender gave it
    await citizen.replay(citizen.incoming(content_type="text", text="En la Y y en el Labrador.", reply_to=question_id))
    assert "Your answer was sent" in citizen.last.text
    posted = moderator.group_messages()[-1][1]
    assert "Respuesta del autor de UIO-0001" in posted.text and "En la Y" in posted.text
    assert posted.reply_to == card, "the answer is threaded under the card"
    assert await thread(database) == [
        ("question", "¿En qué paradas exactamente?"),
        ("answer", "En la Y y en el Labrador."),
    ]


async def test_answering_with_the_button_keeps_a_draft_in_progress(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    await moderator.reply(moderator.find("UIO-0001"), "¿Desde cuándo pasa?")
    await citizen.send("/new")
    await citizen.press_data("axis:2")
    await citizen.press_data("answer:1")
    assert "Write your answer to the team about UIO-0001" in citizen.last.text
    await citizen.send("Desde enero de 2023.")
    assert "pillar" in citizen.last.text, "back where the citizen was"
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and (conversation.step, conversation.draft) == ("pillar", {"axis": "2"})


async def test_ask_reaches_the_moderators_and_their_reply_the_citizen(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    await citizen.send("/ask ¿Cuándo se publican los resultados?")
    assert "Your question was sent to the team" in citizen.last.text
    question = moderator.find("¿Cuándo se publican")
    assert "Pregunta del participante P-" in moderator.group_messages()[-1][1].text
    await moderator.reply(question, "En marzo, en el portal de Gobierno Abierto.")
    assert "Answer from the team to your question" in citizen.last.text
    assert "En marzo" in citizen.last.text
    assert [d for d, _ in await thread(database)] == ["ask", "reply"]


async def test_ask_without_text_asks_for_it_and_cancel_returns(citizen: Citizen, moderator: Moderator) -> None:
    await submitted(citizen)
    await citizen.send("/ask")
    assert "Write your question" in citizen.last.text
    await citizen.send("/cancel")
    assert citizen.last.text == "Cancelled.", "nothing was in progress, so nothing is prompted again"
    await citizen.send("/ask")
    await citizen.send("¿Puedo enviar otra propuesta?")
    assert "¿Puedo enviar otra propuesta?" in moderator.group_messages()[-1][1].text


async def test_a_status_change_with_a_reasoned_answer(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    await moderator.press("mod:status:1")
    assert "mod:set:1:accepted" in [b.id for row in moderator.group_messages()[-1][1].choices for b in row]
    await moderator.press("mod:set:1:in_review")
    assert "Update on your proposal UIO-0001: In review." in citizen.last.text

    await moderator.press("mod:set:1:accepted")
    prompt = moderator.find("respuesta motivada")
    await moderator.reply(prompt, "Se incluye como compromiso 3 del plan.")

    assert "Update on your proposal UIO-0001: Accepted." in citizen.last.text
    assert "Se incluye como compromiso 3" in citizen.last.text
    [proposal] = await proposals(database)
    assert (proposal.status, proposal.status_reason, proposal.answered_at) == (
        "accepted",
        "Se incluye como compromiso 3 del plan.",
        NOW,
    )
    async with database.sessions() as session:
        history = (await session.execute(select(StatusChange.status).order_by(StatusChange.id))).scalars().all()
    assert history == ["received", "in_review", "accepted"]
    await citizen.send("/mine")
    assert "Accepted" in citizen.last.text and "compromiso 3" in citizen.last.text


async def test_a_forged_button_cannot_withdraw_a_proposal_for_its_author(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    await moderator.press("mod:status:1")
    offered = [b.id for row in moderator.group_messages()[-1][1].choices for b in row]
    assert "mod:set:1:withdrawn" not in offered, "only an author withdraws"
    await moderator.press("mod:set:1:withdrawn")  # typed by hand into a forged callback
    assert (await proposals(database))[0].status == "received"
    assert not [m for m in citizen.inbox if "withdrawn" in m.text], "the author is told nothing false"


async def test_someone_who_is_not_a_moderator_is_ignored(
    citizen: Citizen, engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter, database: Database
) -> None:
    await submitted(citizen)
    await add_staff(database, 777, "analyst")
    for user_id in ("555", "777"):
        stranger = Moderator(engine, delivery, sender, counter, user_id, GROUP)
        card = stranger.find("UIO-0001")
        assert await stranger.reply(card, "Hola, ¿puedo preguntar?") == []
        assert await stranger.press("mod:set:1:in_review") == []
    assert await thread(database) == []
    assert (await proposals(database))[0].status == "received"


async def test_an_author_withdraws_a_proposal(citizen: Citizen, moderator: Moderator, database: Database) -> None:
    await submitted(citizen)
    await citizen.send("/mine")
    await citizen.press("Withdraw UIO-0001")
    await citizen.press("Yes, withdraw it")
    assert "UIO-0001 has been withdrawn" in citizen.last.text
    assert (await proposals(database))[0].status == "withdrawn"
    assert "retirada por su autor" in moderator.group_messages()[-1][1].text
    await moderator.press("mod:set:1:in_review")
    assert (await proposals(database))[0].status == "withdrawn", "a withdrawal is the author's decision"


async def test_hiding_a_proposal(citizen: Citizen, moderator: Moderator, database: Database) -> None:
    await submitted(citizen)
    await moderator.press("mod:hide:1")
    assert (await proposals(database))[0].hidden
    await moderator.press("mod:hide:1")
    assert not (await proposals(database))[0].hidden


async def test_a_citizen_cannot_answer_for_someone_elses_proposal(
    citizen: Citizen,
    engine: Engine,
    delivery: Delivery,
    sender: RecordingSender,
    counter: Counter,
    moderator: Moderator,
) -> None:
    await submitted(citizen)
    other = Citizen(engine, delivery, sender, counter, "502")
    await reach_review(other)
    [reply] = await other.press_data("answer:1")
    assert "did not understand" in reply.text
    [reply] = await other.press_data("withdraw:1:yes")
    assert "did not understand" in reply.text


async def test_a_status_that_needs_a_reason_is_refused_in_the_moderators_language(
    citizen: Citizen, moderator: Moderator, database: Database
) -> None:
    await submitted(citizen)
    await moderator.press("mod:set:1:not_adopted")
    prompt = moderator.find("respuesta motivada")
    [refusal] = await moderator.reply(prompt, "   ")
    assert refusal.text == "Tu mensaje está vacío. Por favor, escribe tu respuesta con palabras."
    await citizen.send("/mine")
    await citizen.press("Withdraw UIO-0001")
    await citizen.press("Yes, withdraw it")
    [refusal] = await moderator.press("mod:set:1:in_review")
    assert refusal.text == "El estado no cambió: UIO-0001 fue retirada por su autor"
