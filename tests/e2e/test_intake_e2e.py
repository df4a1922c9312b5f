"""Citizens on Telegram: the real runner against the fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import csv
import io

from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from tests.e2e.citizen_script import (
    CONTRIBUTION,
    PROBLEM,
    consent,
    full_proposal,
    skip_profile,
    skip_whole_profile,
    submit,
    write_proposal,
)
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.fake_bot_api import FakeBotApi


async def exported(bot: RunningBot) -> list[dict[str, str]]:
    out = io.BytesIO()
    async with bot.app.uow() as uow:
        await write_export(uow, bot.app.services, ExportRequest(), out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))


async def test_a_citizen_sends_a_full_proposal(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework)
    ana = fake.user(1001, "Ana")

    code = await full_proposal(ana)

    assert code == "UIO-0001"
    [row] = await exported(bot)
    assert (row["code"], row["axis"], row["problem"], row["contribution"]) == (
        "UIO-0001",
        "Movilidad Sostenible",
        PROBLEM,
        CONTRIBUTION,
    )
    assert row["submitted_at"].endswith("-05:00")
    assert "1001" not in "".join(row.values()), "no Telegram id in an export"
    await ana.send("/mine")
    assert "UIO-0001" in ((await ana.expect("UIO-0001")).text or "")
    assert fake.stats.callback_answers > 0, "every button press is answered (the spinner stops)"


async def test_a_first_proposal_costs_at_most_eight_messages_the_answers_shown_in_place(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework)
    ana, luis = fake.user(1001, "Ana"), fake.user(1002, "Luis")
    await full_proposal(ana)  # answering "prefer not to say" three times
    await consent(luis)
    await skip_whole_profile(luis)
    await write_proposal(luis)
    assert await submit(luis) == "UIO-0002"

    def per_chat(method: str) -> tuple[int, int]:
        chats = [int(call["chat_id"]) for call in fake.calls(method)]
        return chats.count(1001), chats.count(1002)

    # the notice, the first profile question, the solution's and contribution's questions, the review, the code
    assert per_chat("sendMessage") == (6, 6)
    # each press of a choice (three profile answers or one skip, axis, pillar) shown above the next question
    assert per_chat("editMessageText") == (5, 3)
    pillar_answered = next(call for call in fake.calls("editMessageText") if "Transparencia" in call["text"])
    assert pillar_answered["text"].startswith("✓ Transparencia y acceso a la información pública")


async def test_a_question_whose_message_cannot_be_edited_any_more_comes_as_a_new_message(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    await start_bot(framework)
    ana = fake.user(1001, "Ana")
    await consent(ana)
    await skip_whole_profile(ana)
    fake.fail_next("editMessageText", status=400, description="Bad Request: message to edit not found")

    await ana.press("Movilidad Sostenible")

    await ana.expect("✓ Movilidad Sostenible")
    assert fake.calls("sendMessage")[-1]["text"].startswith("✓ Movilidad Sostenible\n\n")
    await ana.press("Transparencia y acceso a la información pública")  # its buttons came with it
    await ana.expect("✓ Transparencia")


async def test_two_citizens_interleaved(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework)
    ana, luis = fake.user(1001, "Ana"), fake.user(1002, "Luis", language_code="en")
    await consent(ana)
    await consent(luis)
    await skip_profile(luis)
    await skip_profile(ana)
    await asyncio.gather(
        write_proposal(ana, "Problema de Ana en el barrio norte de la ciudad."),
        write_proposal(luis, "Problema de Luis en el barrio sur de la ciudad."),
    )
    await luis.press("Enviar propuesta")
    await luis.expect("UIO-0001")
    await ana.press("Enviar propuesta")
    await ana.expect("UIO-0002")
    rows = await exported(bot)
    assert {(r["code"], r["problem"].split()[2]) for r in rows} == {("UIO-0001", "Luis"), ("UIO-0002", "Ana")}
    assert len({r["participant"] for r in rows}) == 2


async def test_commands_are_registered_per_language(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    await start_bot(framework)
    spanish = {c["command"]: c["description"] for c in fake.commands(language_code="")}
    english = {c["command"]: c["description"] for c in fake.commands(language_code="en")}
    assert set(spanish) == set(english) >= {"start", "new", "mine", "language", "privacy", "help", "cancel"}
    assert spanish["mine"] != english["mine"]
    assert {c["command"] for c in fake.commands(language_code="es")} == set(spanish)


async def test_bad_input_through_telegram(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    await start_bot(framework)
    ana = fake.user(1001, "Ana")
    await consent(ana)
    await ana.send_sticker()
    await ana.expect("botones")
    await ana.press_data("sector:astronaut")
    await ana.expect("no entendí ese botón")
    await ana.send("/inexistente")
    await ana.expect("/inexistente")
    await skip_profile(ana)
    await ana.press("Movilidad Sostenible")
    await ana.expect()
    await ana.press("Integridad")
    await ana.expect()
    await ana.send_voice()
    await ana.expect("texto")
    await ana.send("x" * 1300)
    await ana.expect("1300")
    await ana.expect_silence()


async def test_a_redelivered_update_is_processed_once(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework)
    ana = fake.user(1001, "Ana")
    await consent(ana)
    await skip_profile(ana)
    await write_proposal(ana)
    send_id = await ana.press("Enviar propuesta")
    await ana.expect("UIO-0001")
    await fake.wait_all_confirmed()
    await bot.stop()

    await fake.redeliver(send_id)  # as after a crash before the offset was confirmed
    bot = await start_bot(framework)
    await fake.wait_all_confirmed()
    await ana.expect_silence()
    assert len(await exported(bot)) == 1


async def test_a_crash_mid_conversation_loses_nothing(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework)
    ana = fake.user(1001, "Ana")
    await consent(ana)
    await skip_profile(ana)
    await ana.press("Movilidad Sostenible")
    await ana.expect()
    last = await ana.press("Integridad")
    await ana.expect("Describe el problema")
    await fake.wait_for_request(  # the batch is processed, and confirmed by the next offset
        "getUpdates", where=lambda params: int(params.get("offset") or 0) > last
    )
    await bot.crash()
    await fake.redeliver(last)

    bot = await start_bot(framework)
    await ana.expect_silence()
    for text in (PROBLEM, "Una solución con el detalle suficiente para el equipo."):
        await ana.send(text)
        await ana.expect()
    await ana.send(CONTRIBUTION)  # then the review, where a location or photos are offered
    await ana.expect("Revisa tu propuesta")
    await ana.press("Enviar propuesta")
    await ana.expect("UIO-0001")
    [row] = await exported(bot)
    assert row["pillar_id"] == "integrity"
