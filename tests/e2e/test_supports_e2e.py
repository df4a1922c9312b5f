"""A citizen supports a similar proposal on Telegram: the real runner against the fake Bot API over HTTP."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from handlers.actors import operator
from handlers.staff.answers_import import import_answers
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from storage.models import Proposal, Support
from tests.e2e.citizen_script import CONTRIBUTION, SOLUTION, consent, full_proposal, skip_profile
from tests.e2e.conftest import StartBot
from tests.e2e.fake_bot_api import FakeBotApi

SAME_IDEA = "En las paradas del corredor sur no hay horarios publicados desde el año 2023."


async def test_a_citizen_supports_a_similar_proposal_and_hears_its_answer(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    ana, luis = fake.user(1001, "Ana"), fake.user(1002, "Luis")
    assert await full_proposal(ana) == "UIO-0001"

    await consent(luis)
    await skip_profile(luis)
    await luis.press("Movilidad Sostenible")
    await luis.expect()
    await luis.press("Participación ciudadana")
    await luis.expect()
    *first, last = (SAME_IDEA, SOLUTION, CONTRIBUTION)
    for text in first:
        await luis.send(text)
        await luis.expect()
    await luis.send(last)  # then the review, where a location or photos are offered
    review = await luis.expect("Revisa tu propuesta")
    assert "Ya recibimos propuestas parecidas." in (review.text or "")
    assert "UIO-0001 · Movilidad Sostenible · Recibida" in (review.text or "")
    assert "Ana" not in (review.text or ""), "nothing about the author"
    await luis.press("Apoyar UIO-0001")
    confirm = await luis.expect("¿Apoyar UIO-0001 en lugar de enviar tu propuesta?")
    assert "Ana" not in (confirm.text or "")
    await luis.press("Sí, apoyarla")
    await luis.expect("¡Gracias! Ahora apoyas UIO-0001.")

    async with bot.app.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Proposal))).scalar_one() == 1
        assert (await uow.session.execute(select(func.count()).select_from(Support))).scalar_one() == 1
        out = io.BytesIO()
        await write_export(uow, bot.app.services, ExportRequest(public=True), out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert row["supporters"] == "1"

    report = await import_answers(
        bot.app.services,
        operator(),
        [(2, {"code": "UIO-0001", "status": "accepted", "answer": "Será el compromiso 3 del plan."})],
        "answers.csv",
    )
    assert report.applied == ["UIO-0001"] and report.notified == 2, "the author and the supporter, once each"
    bot.app.wake_channels()
    heard = await luis.expect("Novedad sobre UIO-0001, una propuesta que apoyas: Aceptada.")
    assert "Será el compromiso 3 del plan." in (heard.text or "")
    await ana.expect("UIO-0001")

    await luis.send("/mine")
    await luis.expect("Propuestas que apoyas:")
    await luis.press("Retirar mi apoyo a UIO-0001")
    await luis.expect("¿Retirar tu apoyo a UIO-0001?")
    await luis.press("Sí, retirarlo")
    await luis.expect("Ya no apoyas UIO-0001")
    await luis.expect_silence()
