"""Labels of a consultation's options and of the profile answers, in one language, for exports."""

from __future__ import annotations

from config.consultation import Consultation, find_consultation
from handlers.choices import AGE_RANGES, SECTORS
from handlers.i18n import N_, Catalogs, Translator
from handlers.workshops.origin import parse_ref, workshop_ref
from storage.export import Label

DECIDIM_HEADINGS: dict[str, str] = {
    "problem": N_("Problem"),
    "solution": N_("Proposed solution"),
    "contribution": N_("How it would help"),
    "axis": N_("Thematic axis"),
    "pillar": N_("Open-government pillar"),
    "code": N_("Tracking code"),
}


def labeler(consultation: Consultation, catalogs: Catalogs, language: str) -> Label:
    """Labels in ``language``; a row of another consultation gets that consultation's labels (when its file
    is bundled), so that ``--consultation all`` mixes consultations with each row's own labels."""
    tr = catalogs.get(language)
    fixed = {"sector": SECTORS, "age": AGE_RANGES}

    def label(slug: str, kind: str, option_id: str) -> str:
        if not option_id:
            return ""
        if kind == "workshop":
            number = parse_ref(option_id)
            return workshop_ref(number) if number is not None else option_id
        if kind in fixed:
            text = fixed[kind].get(option_id)
            return tr._(text) if text else option_id
        own = consultation if slug == consultation.slug else find_consultation(slug)
        if own is None:
            return option_id
        option = {"axis": own.axis, "pillar": own.pillar, "zone": own.zone}[kind](option_id)
        return option.label(language) if option else option_id

    return label


def decidim_headings(tr: Translator) -> dict[str, str]:
    return {key: tr._(text) for key, text in DECIDIM_HEADINGS.items()}
