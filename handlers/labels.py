"""Labels of a consultation's options and of the profile answers, in one language, for exports."""

from __future__ import annotations

from handlers.choices import AGE_RANGES, SECTORS
from handlers.consultation import Consultation
from handlers.i18n import N_, Catalogs, Translator
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
    tr = catalogs.get(language)
    lookups = {"axis": consultation.axis, "pillar": consultation.pillar, "zone": consultation.zone}
    fixed = {"sector": SECTORS, "age": AGE_RANGES}

    def label(kind: str, option_id: str | None) -> str:
        if not option_id:
            return ""
        if kind in fixed:
            text = fixed[kind].get(option_id)
            return tr._(text) if text else option_id
        option = lookups[kind](option_id)
        return option.label(language) if option else option_id

    return label


def decidim_headings(tr: Translator) -> dict[str, str]:
    return {key: tr._(text) for key, text in DECIDIM_HEADINGS.items()}
