"""Wires the storage export to the consultation's labels and the catalogs."""

from __future__ import annotations

from handlers.choices import AGE_RANGES, SECTORS
from handlers.consultation import Consultation
from handlers.i18n import Catalogs
from storage.export import Label


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
