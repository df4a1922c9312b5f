"""A Spanish-speaking citizen never sees an English sentence of the catalog."""

from __future__ import annotations

from handlers.i18n import LOCALES_DIR, Catalogs
from tests.driver import Citizen
from tests.unit.story import consent, reach_review, skip_profile


def english_sentences() -> set[str]:
    from babel.messages.pofile import read_po

    with (LOCALES_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="es")
    return {
        str(m.id).split("{")[0].strip()
        for m in catalog
        if m.id and m.string != m.id and len(str(m.id).split("{")[0].strip()) > 12
    }


async def test_every_message_of_a_spanish_story_is_in_spanish(citizen: Citizen, catalogs: Catalogs) -> None:
    catalogs.missing.clear()
    await reach_review(citizen, "es")
    for field in ("axis", "pillar", "problem", "solution", "contribution", "extras"):
        await citizen.press_data(f"edit:{field}")
    await citizen.send("/help")
    await citizen.send("/privacy")
    await citizen.send("/cancel")
    await citizen.send("/new")
    await citizen.press_data("axis:help")
    await citizen.send_kind("sticker")
    await citizen.send("/mine")
    await citizen.send("/language")
    await consent(citizen, "es")
    await skip_profile(citizen)
    english = english_sentences() - {"Choose your language"}  # the chooser speaks every language on purpose
    leaked = {s for message in citizen.inbox for s in english if s in message.text}
    leaked |= {s for m in citizen.inbox for row in m.choices for b in row for s in english if s == b.label}
    assert leaked == set()
    assert catalogs.missing == set(), "strings shown that are not in the catalogs (mark them with N_ or _)"
