"""On WhatsApp too, a citizen supports a similar proposal: the runner against the fake Cloud API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.citizen_script import consent, full_proposal, skip_profile, write_proposal
from tests.e2e.fake_whatsapp import FakeWhatsApp
from tests.e2e.whatsapp_citizen import WhatsAppCitizen
from tests.e2e.whatsapp_harness import Channels, fake_whatsapp, launch_channels


@pytest.fixture
async def wa() -> AsyncIterator[FakeWhatsApp]:
    async with fake_whatsapp() as fake:
        yield fake


@pytest.fixture
async def bot(wa: FakeWhatsApp, tmp_path: Path) -> AsyncIterator[Channels]:
    channels = await launch_channels(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", wa)
    yield channels
    await channels.stop()


async def test_the_review_offers_the_similar_proposal_in_a_list_and_supporting_it_works(
    wa: FakeWhatsApp, bot: Channels
) -> None:
    ana = WhatsAppCitizen(wa.user("593991234567", "Ana"))
    luis = WhatsAppCitizen(wa.user("593997654321", "Luis"))
    assert await full_proposal(ana) == "UIO-0001"

    await consent(luis)
    await skip_profile(luis)
    await write_proposal(luis)
    review = luis.seen[-1]
    assert review.last.is_list, "nine options: a list message"
    assert "Apoyar UIO-0001" in review.labels
    assert "UIO-0001 · Movilidad Sostenible · Recibida" in review.text
    await luis.press("Apoyar UIO-0001")
    confirm = await luis.expect("¿Apoyar UIO-0001 en lugar de enviar tu propuesta?")
    assert confirm.last.interactive_type == "button" and confirm.labels == ["Sí, apoyarla", "No, volver a la mía"]
    await luis.press("Sí, apoyarla")
    await luis.expect("¡Gracias! Ahora apoyas UIO-0001.")
    await luis.send("mis propuestas")
    await luis.expect("Propuestas que apoyas:")
