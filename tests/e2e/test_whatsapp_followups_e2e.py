"""WhatsApp authors and the Telegram moderators' group, answers inside and outside the 24-hour window,
a crash mid-conversation and the reminder: both real runners in one process against both fakes."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli.moderation import import_file
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from tests.driver import eventually
from tests.e2e.citizen_script import consent, full_proposal, skip_profile
from tests.e2e.fake_bot_api import FakeBotApi
from tests.e2e.fake_whatsapp import FakeWhatsApp
from tests.e2e.test_moderation_e2e import GROUP, add_staff, replied_to
from tests.e2e.whatsapp_citizen import WhatsAppCitizen
from tests.e2e.whatsapp_harness import (
    DOORBELL,
    Channels,
    approve_doorbells,
    fake_whatsapp,
    launch_channels,
)

ANA = "593991234567"
QUICK_OUTBOX = {"COCREA_OUTBOX_POLL_SECONDS": "0.1"}
MODERATED = {"COCREA_MODERATORS_CHAT_ID": str(GROUP), **QUICK_OUTBOX}
ACCEPTED = "Novedades sobre tu propuesta UIO-0001: Aceptada."


@pytest.fixture
async def wa() -> AsyncIterator[FakeWhatsApp]:
    async with fake_whatsapp() as fake:
        approve_doorbells(fake)
        yield fake


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="123456:TEST-TOKEN") as api:
        yield api


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[list[Channels]]:
    started: list[Channels] = []
    yield started
    for channels in started:
        await channels.stop()


async def answer(channels: Channels, tmp_path: Path, row: str) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("code,status,answer\n" + row + "\n", encoding="utf-8")
    assert await import_file(channels.app, path) == 0


async def is_waiting(channels: Channels) -> bool:
    return await waiting(channels) > 0


async def waiting(channels: Channels) -> int:
    async with channels.app.uow() as uow:
        return (await uow.outbox.counts_by_channel()).get("whatsapp", {}).get("waiting", 0)


# --------------------------------------------------------------------------- both channels


async def test_a_citizen_on_whatsapp_and_one_on_telegram_at_the_same_time(
    wa: FakeWhatsApp, telegram: FakeBotApi, database_url: str, running: list[Channels]
) -> None:
    channels = await launch_channels(database_url, wa, telegram)
    running.append(channels)
    ana, luis = WhatsAppCitizen(wa.user(ANA, "Ana")), telegram.user(1002, "Luis")

    codes = await asyncio.gather(full_proposal(ana), full_proposal(luis))

    assert sorted(codes) == ["UIO-0001", "UIO-0002"]
    out = io.BytesIO()
    async with channels.app.uow() as uow:
        await write_export(uow, channels.app.services, ExportRequest(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert {(row["code"], row["channel"]) for row in rows} == {(codes[0], "whatsapp"), (codes[1], "telegram")}
    assert "Telegram" in next(m.text for m in luis.inbox if m.text and "Aviso de privacidad" in m.text)


async def test_a_moderators_question_reaches_the_whatsapp_author_and_the_answer_comes_back(
    wa: FakeWhatsApp, telegram: FakeBotApi, database_url: str, running: list[Channels]
) -> None:
    channels = await launch_channels(database_url, wa, telegram, env=MODERATED)
    running.append(channels)
    await add_staff(channels.app.database, 900)
    group, mara = telegram.group(GROUP, "Moderación"), telegram.user(900, "Mara")
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    card = await group.expect("Nueva propuesta UIO-0001")

    await group.send(mara, "¿En qué paradas exactamente?", reply_to_message_id=card.message_id)
    question = await ana.expect("Pregunta del equipo sobre tu propuesta UIO-0001")
    assert "¿En qué paradas exactamente?" in question.text and question.labels == ["Responder"]
    await group.expect("Pregunta enviada al autor de UIO-0001")

    await ana.user.reply_to(question.last, "En la Y y en el Labrador.")  # WhatsApp's swipe to reply
    await ana.expect("Gracias")
    answer = await group.expect("Respuesta del autor de UIO-0001")
    assert "En la Y y en el Labrador." in (answer.text or "")
    assert replied_to(card.message_id)(answer.raw), "the answer is threaded under the card"

    await group.send(mara, "¿Tienes fotos?", reply_to_message_id=card.message_id)
    await group.expect("Pregunta enviada")
    await ana.expect("¿Tienes fotos?")
    await ana.press("Responder")
    await ana.expect("Escribe tu respuesta")
    await ana.send("Sí, las envío por correo.")
    await ana.expect("Gracias")
    assert "Sí, las envío por correo." in ((await group.expect("Respuesta del autor")).text or "")

    long_question = "\n\n".join(f"Punto {n}: " + " ".join(["detalle"] * 40) for n in range(5))
    await group.send(mara, long_question, reply_to_message_id=card.message_id)
    await group.expect("Pregunta enviada")
    split = await ana.expect("Punto 4")
    assert len(split.parts) == 2, "too long for the buttons' message: the text goes first"
    await ana.user.reply_to(split.parts[0], "Respondo al primer mensaje.")
    await ana.expect("Gracias")
    assert "Respondo al primer mensaje." in ((await group.expect("Respuesta del autor")).text or "")


async def test_the_question_reaches_an_english_speaking_author_in_english(
    wa: FakeWhatsApp, telegram: FakeBotApi, database_url: str, running: list[Channels]
) -> None:
    channels = await launch_channels(database_url, wa, telegram, env=MODERATED)
    running.append(channels)
    await add_staff(channels.app.database, 900)
    group, mara = telegram.group(GROUP, "Moderación"), telegram.user(900, "Mara")
    john = WhatsAppCitizen(wa.user("593990000003", "John"))
    await john.send("hello")
    await john.expect()
    await john.press("English")
    await john.expect("Privacy notice")
    await john.press("I accept")
    await john.expect()
    for _ in range(3):
        await john.press("Prefer not to say")
        await john.expect()
    for label in ("Sustainable Mobility", "Integrity"):
        await john.press(label)
        await john.expect()
    *first, last = ("Buses skip the southern stops at night.", "Publish and enforce a night timetable.", "Safer trips.")
    for text in first:
        await john.send(text)
        await john.expect()
    await john.send(last)  # then the review, where a location or photos are offered
    await john.expect("Please review your proposal")
    await john.press("Send proposal")
    await john.expect("UIO-0001")
    card = await group.expect("Nueva propuesta UIO-0001")

    await group.send(mara, "¿Qué paradas?", reply_to_message_id=card.message_id)

    question = await john.expect("Question from the team about your proposal UIO-0001")
    assert question.labels == ["Answer"]


# --------------------------------------------------------------------------- the 24-hour window


async def test_a_reasoned_answer_inside_the_window_arrives_at_once(
    wa: FakeWhatsApp, database_url: str, running: list[Channels], tmp_path: Path
) -> None:
    channels = await launch_channels(database_url, wa, env={**QUICK_OUTBOX, **DOORBELL})
    running.append(channels)
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    wa.advance(hours=23)

    await answer(channels, tmp_path, "UIO-0001,accepted,Se incluye en el compromiso 3.")

    notice = await ana.expect(ACCEPTED)
    assert "compromiso 3" in notice.text and notice.last.kind == "text"
    assert not [m for m in ana.user.inbox if m.kind == "template"], "no doorbell inside the window"


async def test_outside_the_window_the_doorbell_rings_and_the_answer_comes_when_the_person_writes(
    wa: FakeWhatsApp, database_url: str, running: list[Channels], tmp_path: Path
) -> None:
    channels = await launch_channels(database_url, wa, env={**QUICK_OUTBOX, **DOORBELL})
    running.append(channels)
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    wa.advance(hours=25)

    await answer(channels, tmp_path, "UIO-0001,accepted,Se incluye en el compromiso 3.")

    bell = await ana.expect("Hola, hay novedades sobre tu propuesta UIO-0001. Responde a este mensaje para leerlas.")
    assert (bell.last.kind, bell.last.template, bell.last.parameters) == (
        "template",
        "cocrea_aviso",
        ("tu propuesta UIO-0001",),
    )
    await ana.expect_silence()
    assert await waiting(channels) == 1
    assert not wa.failures, "nothing was sent against the rules"

    await ana.press("Leer")

    notice = await ana.expect(ACCEPTED)
    assert "compromiso 3" in notice.text
    await ana.expect_silence()
    assert await waiting(channels) == 0


@pytest.mark.parametrize("refusal", ["webhook", "response"], ids=["by status webhook", "in the answer"])
async def test_when_meta_says_the_window_closed_the_message_waits_behind_the_doorbell(
    wa: FakeWhatsApp, database_url: str, running: list[Channels], tmp_path: Path, refusal: str
) -> None:
    """Meta may disagree with our record of the window (its clock, a message we never saw): 131047,
    by status webhook (as Meta does) or in the answer, makes the message wait all the same."""
    channels = await launch_channels(database_url, wa, env={**QUICK_OUTBOX, **DOORBELL})
    running.append(channels)
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    wa.fail_next(code=131047, via=refusal, to=ANA)  # type: ignore[arg-type]

    await answer(channels, tmp_path, "UIO-0001,not_adopted,Ya existe un compromiso similar.")

    await ana.expect("Hola, hay novedades sobre tu propuesta UIO-0001")
    await ana.expect_silence()
    await ana.send("hola")
    notice = await ana.expect("Novedades sobre tu propuesta UIO-0001: No adoptada.")
    assert "compromiso similar" in notice.text
    await ana.expect("/new")  # then the answer to what she wrote
    assert await waiting(channels) == 0


async def test_without_a_template_the_message_waits_visibly_until_the_person_writes(
    wa: FakeWhatsApp, database_url: str, running: list[Channels], tmp_path: Path
) -> None:
    channels = await launch_channels(database_url, wa, env=QUICK_OUTBOX)  # no COCREA_WHATSAPP_DOORBELL
    running.append(channels)
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    wa.advance(hours=30)

    await answer(channels, tmp_path, "UIO-0001,accepted,Compromiso 3.")
    await eventually(lambda: is_waiting(channels))

    await ana.expect_silence()
    assert not wa.failures and not [call for call in wa.calls() if call.body.get("type") == "template"]
    await ana.send("/mine")
    await ana.expect(ACCEPTED)
    await ana.expect("UIO-0001")


# --------------------------------------------------------------------------- a crash, a reminder


async def test_a_kill_and_restart_mid_conversation_loses_nothing_and_repeats_nothing(
    wa: FakeWhatsApp, database_url: str, running: list[Channels]
) -> None:
    channels = await launch_channels(database_url, wa)
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await consent(ana)
    await skip_profile(ana)
    await channels.crash()

    await ana.press("Movilidad Sostenible")  # Meta keeps trying while the bot is down
    await ana.user.expect_silence(0.5)
    assert wa.pending_events, "the message waits at Meta"

    restarted = await launch_channels(database_url, wa)
    running.append(restarted)
    await ana.expect("¿Qué pilar de gobierno abierto fortalece?")
    await ana.press("Transparencia y acceso a la información pública")
    await ana.expect("Describe el problema")
    *first, last = (
        "Las paradas del sur no tienen horarios desde 2023.",
        "Publicar horarios en cada parada.",
        "Menos espera.",
    )
    for text in first:
        await ana.send(text)
        await ana.expect()
    await ana.send(last)  # then the review, where a location or photos are offered
    await ana.expect("Revisa tu propuesta")
    await ana.press("Enviar propuesta")
    await ana.expect("UIO-0001")
    await wa.wait_all_delivered()
    await ana.expect_silence()
    async with restarted.app.uow() as uow:
        assert await uow.proposals.count() == 1


async def test_an_abandoned_draft_gets_one_reminder_in_the_morning_unless_the_person_said_stop(
    wa: FakeWhatsApp, database_url: str, running: list[Channels]
) -> None:
    channels = await launch_channels(database_url, wa, reminder_every=0.05)
    running.append(channels)
    ana, luz = WhatsAppCitizen(wa.user(ANA, "Ana")), WhatsAppCitizen(wa.user("593990000004", "Luz"))
    for person in (ana, luz):
        await consent(person)
        await skip_profile(person)
        await person.press("Movilidad Sostenible")
        await person.expect("pilar")
    await luz.send("stop")
    await luz.expect("ya no te enviaré recordatorios")

    wa.advance(hours=20)  # 06:30 in Quito: night
    await ana.expect_silence(0.3)
    wa.advance(hours=1, minutes=31)  # 08:01

    reminder = await ana.expect("Tu propuesta todavía no está terminada")
    assert reminder.labels == ["Continuar"] and "escribe stop" in reminder.text
    await ana.press("Continuar")
    await ana.expect("¿Qué pilar de gobierno abierto fortalece?")
    wa.advance(hours=1)
    await ana.expect_silence(0.3)
    await luz.expect_silence(0.3)
