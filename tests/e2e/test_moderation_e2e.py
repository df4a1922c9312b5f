"""Moderators and citizens talk through the bot, over Telegram (the fake Bot API server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.cli.moderation import import_file
from storage.database import Database
from storage.uow import UnitOfWork
from tests.e2e.citizen_script import full_proposal
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.fake_bot_api import FakeBotApi, FakeGroup, FakeUser, Received

GROUP = -1001234567890
MODERATION = {"COCREA_MODERATORS_CHAT_ID": str(GROUP), "COCREA_OUTBOX_POLL_SECONDS": "0.2"}


async def add_staff(database: Database, user_id: int, role: str = "moderator") -> None:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", str(user_id), role, "test")
        await uow.commit()


async def moderated(fake: FakeBotApi, start_bot: StartBot, framework: str) -> tuple[RunningBot, FakeGroup, FakeUser]:
    bot = await start_bot(framework, **MODERATION)
    await add_staff(bot.app.database, 900)
    return bot, fake.group(GROUP, "Moderación Gobierno Abierto"), fake.user(900, "Mara")


def replied_to(message_id: int) -> Callable[[dict[str, Any]], bool]:
    def check(raw: dict[str, Any]) -> bool:
        target = raw.get("reply_to_message")
        return isinstance(target, dict) and target.get("message_id") == message_id

    return check


async def test_a_follow_up_question_and_its_answer(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    _, group, mara = await moderated(fake, start_bot, framework)
    ana = fake.user(1001, "Ana")
    await full_proposal(ana)
    card = await group.expect("Nueva propuesta UIO-0001")
    assert card.labels == ["Preguntar al autor", "Cambiar estado", "Ocultar"]

    await group.send(mara, "¿En qué paradas exactamente?", reply_to_message_id=card.message_id)
    question = await ana.expect("Pregunta del equipo sobre tu propuesta UIO-0001")
    assert "¿En qué paradas exactamente?" in (question.text or "")
    await group.expect("Pregunta enviada al autor de UIO-0001")

    await ana.send("En la Y y en el Labrador.", reply_to_message_id=question.message_id)
    await ana.expect("Gracias")
    answer = await group.expect("Respuesta del autor de UIO-0001")
    assert "En la Y y en el Labrador." in (answer.text or "")
    assert replied_to(card.message_id)(answer.raw), "the answer is threaded under the proposal's card"

    await group.press(mara, "Preguntar al autor", message_id=card.message_id)
    prompt = await group.expect("Responde a este mensaje con tu pregunta")
    await group.send(mara, "¿Tienes fotos?", reply_to_message_id=prompt.message_id)
    button_question = await ana.expect("¿Tienes fotos?")
    await ana.press("Responder", message_id=button_question.message_id)
    await ana.expect("Escribe tu respuesta")
    await ana.send("Sí, las envío por correo.")
    await ana.expect("Gracias")
    await group.expect("Pregunta enviada")
    await group.expect("Sí, las envío por correo.")


async def test_ask_goes_to_the_moderators_and_back(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    _, group, mara = await moderated(fake, start_bot, framework)
    ana = fake.user(1001, "Ana")
    await full_proposal(ana)
    await group.expect("Nueva propuesta")
    await ana.send("/ask ¿Cuándo se publican los resultados?")
    await ana.expect("Tu pregunta fue enviada")
    asked = await group.expect("Pregunta del participante P-")
    await group.send(mara, "En marzo, en el portal municipal.", reply_to_message_id=asked.message_id)
    reply = await ana.expect("Respuesta del equipo a tu pregunta")
    assert "En marzo" in (reply.text or "")


async def test_status_changes_reach_the_author_with_the_reason(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    _, group, mara = await moderated(fake, start_bot, framework)
    ana = fake.user(1001, "Ana")
    await full_proposal(ana)
    card = await group.expect("Nueva propuesta UIO-0001")
    for status, reason in (
        ("En revisión", None),
        ("No adoptada", "Ya existe un compromiso similar."),
        ("Aceptada", "Se incluye en el compromiso 3."),
    ):
        await group.press(mara, "Cambiar estado", message_id=card.message_id)
        choices = await group.expect("Nuevo estado para UIO-0001")
        await group.press(mara, status, message_id=choices.message_id)
        if reason is not None:
            prompt = await group.expect("respuesta motivada")
            await group.send(mara, reason, reply_to_message_id=prompt.message_id)
        notice = await ana.expect(f"Novedades sobre tu propuesta UIO-0001: {status}.")
        assert reason is None or reason in (notice.text or "")
        await group.expect(f"UIO-0001 ahora está: {status}")
    await ana.send("/mine")
    mine = await ana.expect("UIO-0001")
    assert "Aceptada" in (mine.text or "") and "compromiso 3" in (mine.text or "")


async def test_someone_who_is_not_a_moderator_is_ignored(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot, group, _ = await moderated(fake, start_bot, framework)
    await add_staff(bot.app.database, 901, "analyst")
    ana = fake.user(1001, "Ana")
    await full_proposal(ana)
    card = await group.expect("Nueva propuesta UIO-0001")
    for intruder in (fake.user(555, "Curioso"), fake.user(901, "Analista")):
        await group.send(intruder, "¿Me responden?", reply_to_message_id=card.message_id)
        await group.press(intruder, "Ocultar", message_id=card.message_id)
    await fake.wait_all_confirmed()
    await group.expect_silence()
    await ana.expect_silence()


async def test_bulk_answers_from_a_csv_reach_every_author(
    fake: FakeBotApi, start_bot: StartBot, framework: str, tmp_path: Path
) -> None:
    bot, _, _ = await moderated(fake, start_bot, framework)
    citizens = [fake.user(1001 + n, f"Vecina {n}") for n in range(3)]
    for citizen in citizens:
        await full_proposal(citizen)
    path = tmp_path / "respuestas.csv"
    path.write_text(
        "code,status,answer\nUIO-0001,accepted,Compromiso 1.\nUIO-0002,not_adopted,Fuera de "
        "competencia municipal.\nUIO-0003,accepted,\nUIO-0404,accepted,No existe.\n",
        encoding="utf-8",
    )

    assert await import_file(bot.app, path) == 1  # two rows rejected, the rest applied

    await citizens[0].expect("UIO-0001: Aceptada")
    await citizens[1].expect("UIO-0002: No adoptada")
    await citizens[2].expect_silence()


Wait = Callable[[], Awaitable[None]]


async def test_in_a_forum_group_each_proposal_gets_its_own_topic(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    group = fake.group(GROUP, "Moderación (foro)", forum=True)
    bot = await start_bot(framework, **MODERATION)
    await add_staff(bot.app.database, 900)
    mara, ana = fake.user(900, "Mara"), fake.user(1001, "Ana")
    await full_proposal(ana)

    card = await group.expect("Nueva propuesta UIO-0001")
    [(topic_id, name)] = group.topics.items()
    assert name == "UIO-0001 · Movilidad Sostenible"
    assert card.raw.get("message_thread_id") == topic_id

    await group.send(mara, "¿Hay un reporte previo?", thread_id=topic_id)  # written in the topic, no reply
    question = await ana.expect("Pregunta del equipo sobre tu propuesta UIO-0001")
    confirmation = await group.expect("Pregunta enviada")
    assert confirmation.raw.get("message_thread_id") == topic_id
    await ana.send("Sí, al 1800-BUS en 2024.", reply_to_message_id=question.message_id)
    answer = await group.expect("Respuesta del autor de UIO-0001")
    assert answer.raw.get("message_thread_id") == topic_id, "the answer lands in the proposal's topic"
    await group.press(mara, "Cambiar estado", message_id=card.message_id)
    choices = await group.expect("Nuevo estado para UIO-0001")
    assert choices.raw.get("message_thread_id") == topic_id, "status choices stay in the topic"


async def test_cards_that_wait_for_the_groups_pace_come_as_a_digest(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    """Five proposals at once: the group takes 20 messages a minute, so the cards that would wait for it come
    folded into one message, a button per code; a moderator opens one and asks its author (issue 13)."""
    bot = await start_bot(framework, **{**MODERATION, "COCREA_SEND_PER_GROUP_PER_MINUTE": "20"})
    await add_staff(bot.app.database, 900)
    group, mara = fake.group(GROUP, "Moderación Gobierno Abierto"), fake.user(900, "Mara")
    citizens = [fake.user(3001 + n, f"Persona {n}") for n in range(5)]
    codes = await asyncio.gather(*(full_proposal(person) for person in citizens))

    posted: list[Received] = []
    while not all(any(code in (message.text or "") for message in posted) for code in codes):
        posted.append(await group.expect(timeout=20))
    digests = [message for message in posted if "propuestas nuevas" in (message.text or "")]
    assert digests and len(posted) < len(codes), [message.text for message in posted]
    texts = "\n".join(message.text or "" for message in posted)
    assert all(texts.count(code) == 1 for code in codes), "every proposal once"
    digest = digests[-1]
    assert "escritorio web" in (digest.text or "")

    code = digest.labels[0]
    await group.press(mara, code, message_id=digest.message_id)
    card = await group.expect(f"Nueva propuesta {code}")
    assert card.labels == ["Preguntar al autor", "Cambiar estado", "Ocultar"]
    await group.send(mara, "¿En qué barrio?", reply_to_message_id=card.message_id)
    author = citizens[codes.index(code)]
    await author.expect(f"Pregunta del equipo sobre tu propuesta {code}")
