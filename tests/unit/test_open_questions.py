"""The citizens' /ask questions wait for the team's answer until someone replies, from anywhere."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.outbox.delivery import Delivery
from handlers.actors import Actor
from handlers.engine import Engine
from handlers.messages import Address
from handlers.moderation.actions import Refused, staff_message
from handlers.moderation.questions import NoSuchQuestion, answer_question, open_questions
from handlers.moderation.threads import record_sent
from handlers.outbox import post
from handlers.services import Services
from storage.database import Database
from storage.uow import UnitOfWork
from tests.driver import Citizen, Counter, Moderator, RecordingSender, fast_pacer
from tests.unit.story import reach_review

GROUP = "-100200"
MODERATOR = Actor("moderator", "staff-1")


@pytest.fixture
def world(services: Services) -> tuple[Engine, Delivery, RecordingSender, Counter]:
    engine = Engine(replace(services, moderators=Address("telegram", GROUP)))
    sender = RecordingSender()
    delivery = Delivery(services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    return engine, delivery, sender, Counter()


async def asked(world: tuple[Engine, Delivery, RecordingSender, Counter], user_id: str, text: str) -> Citizen:
    citizen = Citizen(*world, user_id)
    await reach_review(citizen)
    await citizen.press_data("review:send")
    await citizen.send(f"/ask {text}")
    return citizen


async def test_a_question_waits_until_the_team_answers_it(
    world: tuple[Engine, Delivery, RecordingSender, Counter], services: Services, database: Database
) -> None:
    ana = await asked(world, "501", "¿Cuándo se publican los resultados?")
    await asked(world, "502", "¿Puedo enviar dos propuestas?")
    async with services.uow() as uow:
        waiting = await open_questions(uow, services)
    assert [q.text for q in waiting] == ["¿Cuándo se publican los resultados?", "¿Puedo enviar dos propuestas?"]
    first = waiting[0]
    assert first.pseudonym.startswith("P-") and first.language == "en" and first.earlier == []

    async with services.uow() as uow:
        message = await answer_question(uow, services, MODERATOR, first.id, "En marzo.", via="web")
        await post(uow, [message])
        await uow.commit()
    assert message.to == Address("telegram", "501") and "Answer from the team to your question" in message.text
    async with services.uow() as uow:
        assert [q.text for q in await open_questions(uow, services)] == ["¿Puedo enviar dos propuestas?"]

    await ana.send("/ask ¿Y dónde?")
    async with services.uow() as uow:
        again = [q for q in await open_questions(uow, services) if q.participant_id == first.participant_id]
    assert [m.direction for m in again[0].earlier] == ["ask", "reply"], "the exchange before it comes along"


async def test_a_reply_from_the_moderators_group_closes_it_too(
    world: tuple[Engine, Delivery, RecordingSender, Counter], services: Services, database: Database
) -> None:
    await asked(world, "501", "¿Cuándo se publican los resultados?")
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", "900", "moderator", "test")
        await uow.commit()
    moderator = Moderator(*world, "900", GROUP)
    await moderator.reply(moderator.find("¿Cuándo se publican"), "En marzo.")
    async with services.uow() as uow:
        assert await open_questions(uow, services) == []


async def test_only_questions_can_be_answered_and_only_with_words(services: Services) -> None:
    async with services.uow() as uow:
        with pytest.raises(NoSuchQuestion):
            await answer_question(uow, services, MODERATOR, 999, "Hola")
    with pytest.raises(Refused, match="emoji"):
        staff_message("🙂🙂", services.translator("en"))
    assert staff_message("  En marzo.\r\n\r\n\r\nSaludos ", services.translator("es")) == "En marzo.\n\nSaludos"


async def test_staff_list_and_answer_open_questions_from_the_command_line(
    world: tuple[Engine, Delivery, RecordingSender, Counter],
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await asked(world, "501", "¿Cuándo se publican los resultados?")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)

    async def cocrea(*argv: str) -> tuple[int, str]:
        code = await asyncio.to_thread(main, list(argv))
        return code, capsys.readouterr().out

    code, listed = await cocrea("questions")
    [line] = listed.splitlines()
    assert code == 0 and re.match(r"#\d+  asked \d{4}-\d\d-\d\d  \d+ days (left|late)  P-\S+ \(UIO-0001\): ", line)
    assert line.endswith("¿Cuándo se publican los resultados?")
    question_id = line[1:].split()[0]

    code, said = await cocrea("questions", "answer", question_id, "En marzo.")
    assert code == 0 and said == f"cocrea: answer to question {question_id} queued for the citizen\n"
    _, delivery, sender, _ = world
    await delivery.drain_once()
    assert "En marzo." in sender.sent[-1].text and sender.sent[-1].to == Address("telegram", "501")
    assert await cocrea("questions") == (0, "no open questions\n")
