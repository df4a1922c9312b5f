"""The conversation is declared once: a consultation that adds a step gets it asked, reviewed, editable,
shown to moderators and exported, with no other change to the code."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.outbox.delivery import Delivery
from config.consultation import BUNDLED_DIR, ConsultationError, parse_consultation
from handlers.engine import Engine
from handlers.intake.table import DEFAULT_STEPS, steps_for
from handlers.messages import Address
from handlers.moderation.threads import record_sent
from handlers.services import Services
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from storage.database import Database
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer
from tests.unit.story import CONTRIBUTION, PROBLEM, SOLUTION, consent, proposals, skip_profile

INSTITUTION = "Secretaría de Movilidad"
BETTER = "Empresa Pública Metropolitana de Transporte"


def consultation_with_lead_step(tmp_path: Path) -> str:
    text = (BUNDLED_DIR / "quito-2024.toml").read_text(encoding="utf-8")
    path = tmp_path / "quito-test.toml"
    path.write_text('optional_steps = ["lead_institution"]\n' + text, encoding="utf-8")
    return str(path)


@pytest.fixture
def asking(services: Services, tmp_path: Path) -> Services:
    source = consultation_with_lead_step(tmp_path)
    consultation = parse_consultation(Path(source).read_text(encoding="utf-8"), source)
    return replace(
        services, consultation=consultation, steps=steps_for(consultation), moderators=Address("telegram", "-100200")
    )


@pytest.fixture
def ana(asking: Services) -> Citizen:
    sender = RecordingSender()
    delivery = Delivery(asking.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    return Citizen(Engine(asking), delivery, sender, Counter())


async def test_an_added_step_is_asked_reviewed_editable_and_exported(
    ana: Citizen, asking: Services, database: Database
) -> None:
    await consent(ana)
    await skip_profile(ana)
    await ana.press_data("axis:4")
    await ana.press_data("pillar:transparency")
    for text in (PROBLEM, SOLUTION, CONTRIBUTION):
        await ana.send(text)
    assert "Which institution do you think should lead it?" in ana.last.text, "asked after the contribution"
    await ana.send(INSTITUTION)
    assert f"Suggested lead institution: {INSTITUTION}" in ana.last.text, "reviewed"

    await ana.press("Edit institution")
    assert INSTITUTION in ana.last.text, "the current text is shown while editing"
    await ana.send(BETTER)
    assert f"Suggested lead institution: {BETTER}" in ana.last.text, "edited, back at the review"
    await ana.press("Send proposal")

    [proposal] = await proposals(database)
    assert proposal.lead_institution == BETTER
    card = next(m for m in ana.sender.sent if m.to.chat_id == "-100200")
    assert f"Institución sugerida para liderarla: {BETTER}" in card.text, "on the moderators' card"
    header, row = await exported(asking)
    assert header.index("lead_institution") == header.index("contribution") + 1, "in the order it is asked"
    assert row["lead_institution"] == BETTER


async def test_the_default_conversation_does_not_ask_it(services: Services) -> None:
    assert "lead_institution" not in DEFAULT_STEPS
    header, _ = await exported(services, empty=True)
    assert "lead_institution" not in header


def test_an_unknown_optional_step_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('optional_steps = ["budget"]\n' + (BUNDLED_DIR / "quito-2024.toml").read_text("utf-8"), "utf-8")
    consultation = parse_consultation(path.read_text(encoding="utf-8"), str(path))
    with pytest.raises(ConsultationError, match="unknown optional step 'budget'"):
        steps_for(consultation)


async def exported(services: Services, *, empty: bool = False) -> tuple[list[str], dict[str, str]]:
    out = io.BytesIO()
    async with services.uow() as uow:
        await write_export(uow, services, ExportRequest(lang="es"), out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    header = rows[0]
    return header, ({} if empty else dict(zip(header, rows[1], strict=True)))
