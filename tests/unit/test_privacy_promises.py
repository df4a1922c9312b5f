"""What the privacy notice and /delete_me promise is exactly what happens, checked table by table."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from bot.outbox.delivery import Delivery
from handlers.engine import Engine
from handlers.messages import Address
from handlers.moderation.questions import answer_question, open_questions
from handlers.moderation.threads import record_sent
from handlers.outbox import post
from handlers.services import Services
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from storage.database import Database
from storage.models import Base
from tests.driver import Citizen, Counter, Moderator, RecordingSender, fast_pacer
from tests.unit.story import proposals, reach_review

PERSON = "7345612"
ASK = "¿Cuándo publican las respuestas de la consulta?"
ANSWER = "En la parada frente a la farmacia Cruz Azul de Quitumbe."


async def everything_in(database: Database) -> str:
    """Every value of every row of every table, as text: what a search of the database would find."""
    found = []
    async with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(text(f"SELECT * FROM {table.name}"))).all():
                found.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(found)


@pytest.fixture
def moderated(services: Services) -> Services:
    return replace(services, moderators=Address("telegram", "-100200"))


@pytest.fixture
def people(moderated: Services) -> tuple[Citizen, Moderator, Callable[..., Citizen]]:
    engine = Engine(moderated)
    sender = RecordingSender()
    delivery = Delivery(moderated.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    counter = Counter()

    def citizen(user_id: str) -> Citizen:
        return Citizen(engine, delivery, sender, counter, user_id)

    return citizen(PERSON), Moderator(engine, delivery, sender, counter), citizen


async def add_moderator(services: Services) -> None:
    async with services.uow() as uow:
        await uow.staff.put("telegram", "900", "moderator", "test")
        await uow.commit()


async def test_delete_me_leaves_nothing_that_identifies_the_person(
    people: tuple[Citizen, Moderator, Callable[..., Citizen]], moderated: Services, database: Database
) -> None:
    ana, moderator, someone = people
    await add_moderator(moderated)
    await reach_review(ana)  # with a profile: academia, Quitumbe, 30 to 44
    await ana.press_data("review:send")
    await ana.send(f"/ask {ASK}")
    await moderator.reply(moderator.find("UIO-0001"), "¿En qué parada exactamente?")
    await ana.press_data("answer:1")
    await ana.send(ANSWER)
    await moderator.press("mod:set:1:in_review")
    [pseudonym] = [p.participant_pseudonym for p in await proposals(database)]
    assert pseudonym and pseudonym in await everything_in(database)
    other = someone("555")
    await reach_review(other)
    await other.press_data("review:send")

    await ana.send("/delete_me")
    await ana.press("Yes, delete my data")

    assert "Your data has been deleted" in ana.last.text
    stored = await everything_in(database)
    for trace in (PERSON, pseudonym, ASK, ANSWER):
        assert trace not in stored, f"{trace!r} is still in: {[line for line in stored.splitlines() if trace in line]}"
    mine, theirs = await proposals(database)
    assert (mine.code, mine.participant_id, mine.participant_pseudonym) == ("UIO-0001", None, None)
    assert (mine.zone, mine.sector, mine.age_range) == (None, None, None), "no profile answer stays"
    assert mine.problem and mine.status == "in_review", "the proposal itself stays, unlinked"
    assert theirs.participant_pseudonym and theirs.zone == "quitumbe", "nobody else's data is touched"
    export = io.BytesIO()
    async with moderated.uow() as uow:
        await write_export(uow, moderated, ExportRequest(), export)
    assert pseudonym not in export.getvalue().decode("utf-8-sig")


async def test_the_notice_names_the_controller_in_a_few_lines_and_the_rest_is_a_tap_away(citizen: Citizen) -> None:
    await citizen.send("/start")
    await citizen.press("English")
    short = citizen.last.text
    assert "Municipio del Distrito Metropolitano de Quito receives your proposals" in short
    assert "Telegram's servers" in short and "/delete_me" in short and "until the plan has been evaluated" in short
    assert len(short) < 700, "one phone screen"

    await citizen.press("Read the full notice")

    full = citizen.last.text
    assert "Controller: Municipio del Distrito Metropolitano de Quito" in full
    assert "proteccion.datos@quito.gob.ec" in full and "15 days" in full
    assert citizen.labels() == ["I accept", "No, thank you"]
    await citizen.press("I accept")
    assert "Which sector" in citizen.last.text


async def test_an_ask_question_waits_for_staff_even_without_a_moderators_group(
    citizen: Citizen, services: Services
) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.send(f"/ask {ASK}")
    assert "Your question was sent to the team" in citizen.last.text

    async with services.uow.reading() as uow:
        [question] = await open_questions(uow, services)
    assert (question.text, question.codes, question.days_left) == (ASK, ("UIO-0001",), 15)

    async with services.uow() as uow:
        await post(uow, [await answer_question(uow, services, operator_actor(), question.id, "El 15 de diciembre.")])
        await uow.commit()
    await citizen.delivery.drain_once()
    assert "Answer from the team to your question:\n\nEl 15 de diciembre." in citizen.last.text
    async with services.uow.reading() as uow:
        assert await open_questions(uow, services) == [], "answered"


def operator_actor() -> Any:
    from handlers.actors import Actor

    return Actor("operator", "cli-ana")
