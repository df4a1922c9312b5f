"""Citizens on WhatsApp: the real runner against the fake Cloud API, over HTTP and signed webhooks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from bot.cli.moderation import outbox_table
from bot.whatsapp.errors import EVERYONE_WAITS, PERSON_WAITS
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from storage.database import Database
from storage.uow import UnitOfWork
from tests.e2e.citizen_script import (
    PROBLEM,
    consent,
    full_proposal,
    skip_profile,
    skip_whole_profile,
    submit,
    write_proposal,
)
from tests.e2e.fake_whatsapp import FakeWhatsApp, FakeWhatsAppUser
from tests.e2e.whatsapp_citizen import VERIFY_TOKEN, WhatsAppCitizen
from tests.e2e.whatsapp_harness import Channels, fake_whatsapp, launch_channels

ANA = "593991234567"
BUNDLED_QUITO = Path(__file__).resolve().parents[2] / "consultations" / "quito-2024.toml"


@pytest.fixture
async def wa() -> AsyncIterator[FakeWhatsApp]:
    async with fake_whatsapp() as fake:
        yield fake


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def bot(wa: FakeWhatsApp, database_url: str) -> AsyncIterator[Channels]:
    channels = await launch_channels(database_url, wa)
    yield channels
    await channels.stop()


async def exported(channels: Channels) -> list[dict[str, str]]:
    out = io.BytesIO()
    async with channels.app.uow() as uow:
        await write_export(uow, channels.app.services, ExportRequest(), out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))


async def everything_stored(database: Database) -> str:
    """Every value of every table, as text: to prove what is not kept."""
    metadata = MetaData()
    async with database.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        rows = [str(row) for table in metadata.sorted_tables for row in (await connection.execute(select(table))).all()]
    return "\n".join(rows)


async def test_a_citizen_sends_a_full_proposal_on_whatsapp(wa: FakeWhatsApp, bot: Channels) -> None:
    ana = wa.user(ANA, "Ana")
    citizen = WhatsAppCitizen(ana)

    code = await full_proposal(citizen)

    assert code == "UIO-0001"
    language, notice, sector, zone = (seen.last for seen in citizen.seen[:4])
    assert (language.interactive_type, language.labels) == ("button", ["Español", "English"])
    assert notice.interactive_type == "button" and notice.labels == ["Acepto", "No, gracias", "Aviso completo"]
    assert "servidores de Meta" in citizen.seen[1].text, "the notice names WhatsApp's company"
    assert sector.is_list and zone.is_list and len(zone.choices) == 10
    [row] = await exported(bot)
    assert (row["code"], row["channel"], row["problem"]) == ("UIO-0001", "whatsapp", PROBLEM)
    assert row["participant"].startswith("P-")
    await citizen.send("/mine")
    await citizen.expect("UIO-0001")
    await citizen.send("mis propuestas")
    await citizen.expect("UIO-0001")
    stored = await everything_stored(bot.app.database)
    assert ANA not in stored and ANA not in "".join(row.values()), "no phone number anywhere"
    assert ana.bsuid in stored, "the business-scoped user id is the person's id"


async def test_one_row_of_the_list_skips_the_questions_about_the_person(wa: FakeWhatsApp, bot: Channels) -> None:
    citizen = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await consent(citizen)
    sector = citizen.seen[-1].last
    assert sector.is_list and sector.labels[-2:] == ["Prefiero no decirlo", "Omitir estas preguntas"]
    await skip_whole_profile(citizen)
    await write_proposal(citizen)
    assert await submit(citizen) == "UIO-0001"
    [row] = await exported(bot)
    assert (row["sector"], row["zone"], row["age_range"]) == ("", "", "")


async def test_a_person_without_a_phone_number_takes_part(wa: FakeWhatsApp, bot: Channels) -> None:
    """Since 2026 Meta sends no number for people with a username: the user id is enough."""
    luz = WhatsAppCitizen(wa.user("593987654321", "Luz", username="luz.q", phone_hidden=True))
    await consent(luz)
    await skip_profile(luz)
    assert luz.user.inbox and all(message.via_bsuid for message in luz.user.inbox)


# --------------------------------------------------------------------------- the webhook


def text_message(person: FakeWhatsAppUser, wamid: str, body: str) -> dict[str, Any]:
    message = {"from": person.wa_id, "from_user_id": person.bsuid, "id": wamid, "timestamp": "1"}
    return {**message, "type": "text", "text": {"body": body}}


async def processed(channels: Channels, event_id: str) -> bool:
    async with channels.app.uow() as uow:
        return await uow.updates.seen("whatsapp", event_id)


async def test_meta_s_handshake_and_a_forged_signature(wa: FakeWhatsApp, bot: Channels) -> None:
    assert (await wa.verify_webhook(VERIFY_TOKEN)).ok
    assert (await wa.verify_webhook("a-guess")).status == 403
    ana = wa.user(ANA, "Ana")
    body = wa.envelope({"contacts": [ana.contact_json()], "messages": [text_message(ana, "wamid.forged", "/start")]})

    assert await wa.deliver_raw(body, signature="sha256=" + "0" * 64) == 401
    assert await wa.deliver_raw(body, signature=None) == 401
    assert await wa.deliver_raw(b'{"object": "whatsapp_business_account", "entry": [', signature="valid") == 400
    assert await wa.deliver_raw({"object": "instagram", "entry": []}, signature="valid") == 400
    await ana.expect_silence()
    assert not await processed(bot, "wamid.forged"), "nothing of a refused body was processed"

    ana.last_inbound_at = wa.now()  # the same body, signed with the app secret, as Ana wrote it
    assert await wa.deliver_raw(body) == 200
    await WhatsAppCitizen(ana).expect("Elige tu idioma")


async def test_a_redelivered_message_is_processed_once(wa: FakeWhatsApp, bot: Channels) -> None:
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    event = await ana.send("/start")
    await ana.expect("Elige tu idioma")
    await wa.wait_delivered(event)

    await wa.redeliver(event)
    await wa.wait_delivered(event)

    await ana.expect_silence()
    assert [a.status for a in wa.webhook_attempts if a.event_id == event] == [200, 200]


class DownOnce:
    """The database is unreachable for the first ``failures`` units of work."""

    def __init__(self, factory: Callable[[], UnitOfWork], failures: int) -> None:
        self._factory = factory
        self.failures = failures

    def __call__(self) -> UnitOfWork:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("the database is down")
        return self._factory()


async def test_a_message_that_could_not_be_recorded_is_answered_500_and_meta_delivers_it_again(
    wa: FakeWhatsApp, bot: Channels
) -> None:
    engine = bot.app.engine
    engine._uow = DownOnce(engine._uow, failures=2)  # the attempt, then the apology
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))

    event = await ana.send("/start")
    await ana.expect("Elige tu idioma")

    await wa.wait_delivered(event)
    assert [a.status for a in wa.webhook_attempts if a.event_id == event] == [500, 200]
    await ana.expect_silence()


# --------------------------------------------------------------------------- receipts and limits


async def test_status_webhooks_are_counted_per_channel(wa: FakeWhatsApp, bot: Channels) -> None:
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await full_proposal(ana)
    sent = len(ana.seen)
    await ana.user.read()
    await wa.wait_all_delivered()

    async with bot.app.uow() as uow:
        counts = await uow.outbox.counts_by_channel()
        [row] = await uow.outbox.listing(("read",), limit=1)
    assert counts["whatsapp"] == {"read": sent}, "every message was sent, delivered and read"
    assert (row.payload, row.chat_id) == ("", ""), "a delivered message leaves a count, not its text"
    whatsapp = next(line for line in outbox_table(counts).splitlines() if line.startswith("whatsapp"))
    assert whatsapp.split() == ["whatsapp", "0", "0", "0", str(sent), str(sent), str(sent), "0", "0"]


async def test_throughput_and_pair_rate_errors_wait_and_the_message_arrives(
    wa: FakeWhatsApp, bot: Channels, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PERSON_WAITS, 131056, 0.05)
    monkeypatch.setitem(EVERYONE_WAITS, 130429, 0.05)
    ana, luis = WhatsAppCitizen(wa.user(ANA, "Ana")), WhatsAppCitizen(wa.user("593990000002", "Luis"))
    wa.fail_next(code=130429, to=luis.user.wa_id)
    wa.fail_next(code=131056, to=ANA, times=2)

    await ana.send("/start")
    await luis.send("/start")

    await ana.expect("Elige tu idioma")
    await luis.expect("Elige tu idioma")
    tries = {
        person.user.name: [c for c in wa.calls() if c.body.get("recipient") == person.user.bsuid]
        for person in (ana, luis)
    }
    assert (len(tries["Ana"]), len(tries["Luis"])) == (3, 2), "each waited after its refusals, then got the message"


async def test_a_person_who_cannot_receive_is_marked_undeliverable(wa: FakeWhatsApp, bot: Channels) -> None:
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    wa.make_undeliverable(ANA)
    await ana.send("/start")
    await ana.user.expect_failure(131026)
    await wa.wait_all_delivered()
    async with bot.app.uow() as uow:
        assert (await uow.outbox.counts_by_channel())["whatsapp"] == {"undeliverable": 1}


# --------------------------------------------------------------------------- data rights


@pytest.mark.parametrize("bsuid_fields", [True, False], ids=["user id (2026)", "phone number only (before)"])
async def test_mydata_shows_the_id_we_keep_and_delete_me_erases_it(database_url: str, bsuid_fields: bool) -> None:
    async with fake_whatsapp(bsuid_fields=bsuid_fields) as wa:
        channels = await launch_channels(database_url, wa)
        try:
            ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
            identity = ana.user.bsuid if bsuid_fields else ANA
            await full_proposal(ana)
            await ana.send("/mydata")
            assert f"El identificador de tu chat de WhatsApp, para responderte: {identity}" in (await ana.expect()).text
            await ana.send("/delete_me")
            await ana.expect("¿Borrar tus datos?")
            await ana.press("Sí, borrar mis datos")
            await ana.expect("Tus datos fueron borrados")
            await wa.wait_all_delivered()
            stored = await everything_stored(channels.app.database)
        finally:
            await channels.stop()
    assert identity not in stored and ANA not in stored, "nothing left that identifies the person"
    assert "UIO-0001" in stored, "the proposal stays, anonymised"


# --------------------------------------------------------------------------- more than buttons


async def test_a_photo_and_a_location_join_the_proposal(wa: FakeWhatsApp, bot: Channels) -> None:
    ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
    await consent(ana)
    await skip_profile(ana)
    await ana.press("Movilidad Sostenible")
    await ana.expect()
    await ana.press("Integridad")
    await ana.expect()
    for text in (
        "Las paradas del sur no tienen horarios desde 2023.",
        "Publicar horarios en cada parada.",
        "Menos espera.",
    ):
        await ana.send(text)
        await ana.expect()
    await ana.user.send_location(-0.2298, -78.5249, name="Parada El Recreo")
    await ana.expect("Ubicación guardada")
    await ana.user.send_image(caption="La parada")
    await ana.expect("Foto guardada")
    await ana.press("Continuar")
    review = await ana.expect("Revisa tu propuesta")
    assert "Ubicación: sí · Fotos: 1" in review.text
    await ana.press("Enviar propuesta")
    await ana.expect("UIO-0001")
    [row] = await exported(bot)
    assert row["attachment_count"] == "1"


async def test_past_ten_options_the_person_types_the_number(wa: FakeWhatsApp, tmp_path: Path) -> None:
    consultation = tmp_path / "quito-mas-zonas.toml"
    extra = "".join(
        f'\n[[zones]]\nid = "extra-{n}"\nlabels.es = "Parroquia {n}"\nlabels.en = "Parish {n}"\n' for n in (1, 2)
    )
    consultation.write_text(BUNDLED_QUITO.read_text(encoding="utf-8") + extra, encoding="utf-8")
    channels = await launch_channels(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", wa, env={"COCREA_CONSULTATION": str(consultation)}
    )
    try:
        ana = WhatsAppCitizen(wa.user(ANA, "Ana"))
        await consent(ana)
        await ana.press("Prefiero no decirlo")
        zones = await ana.expect("¿Dónde vives?")
        assert zones.last.kind == "text" and not zones.choices
        assert "\n11. Parroquia 2\n" in zones.text and zones.text.endswith("Responde con el número de tu opción.")

        await ana.send("11")

        await ana.expect("¿Cuál es tu rango de edad?")
        async with channels.app.uow() as uow:
            participant = await uow.participants.find("whatsapp", ana.user.bsuid)
        assert participant is not None and participant.zone == "extra-2"
    finally:
        await channels.stop()
