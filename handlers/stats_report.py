"""The statistics as text, in the reader's language: short lines that read well on a phone and a terminal."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.choices import SECTORS, STATUSES
from handlers.consultation import Consultation, Option
from handlers.i18n import Translator, language_name
from storage.stats import Stats


def axis_label(consultation: Consultation, axis_id: str, language: str) -> str:
    return _label(consultation.axes, axis_id, language)


def pillar_label(consultation: Consultation, pillar_id: str, language: str) -> str:
    return _label(consultation.pillars, pillar_id, language)


def _label(options: tuple[Option, ...], option_id: str, language: str) -> str:
    for option in options:
        if option.id == option_id:
            return option.label(language)
    return option_id


def ordered_ids(options: tuple[Option, ...], found: Mapping[str, int]) -> list[str]:
    """The consultation's options in its order, then any id only the data knows (e.g. a removed axis)."""
    known = [option.id for option in options]
    return known + sorted(set(found) - set(known))


def stats_text(stats: Stats, consultation: Consultation, tr: Translator, *, last_days: int | None = None) -> str:
    if stats.total == 0:
        return tr._("No proposals match.")
    lang = tr.language
    lines = [tr._("Proposals: {count}").format(count=stats.total), "", tr._("By thematic axis and pillar")]
    by_axis = stats.by_axis()
    for axis_id in ordered_ids(consultation.axes, by_axis):
        if not by_axis.get(axis_id):
            continue
        lines.append(f"{axis_label(consultation, axis_id, lang)}: {by_axis[axis_id]}")
        for pillar_id in ordered_ids(consultation.pillars, stats.by_pillar()):
            count = stats.by_axis_pillar.get((axis_id, pillar_id), 0)
            if count:
                lines.append(f"  · {pillar_label(consultation, pillar_id, lang)}: {count}")
    not_given = tr._("Not given")
    zones = {(_label(consultation.zones, z, lang) if z else not_given): n for z, n in stats.by_zone.items()}
    sectors = {(tr._(SECTORS.get(s, s)) if s else not_given): n for s, n in stats.by_sector.items()}
    languages = {language_name(code): n for code, n in stats.by_language.items()}
    statuses = {tr._(STATUSES.get(s, s)): n for s, n in stats.by_status.items()}
    days = list(stats.by_day.items())[-last_days:] if last_days else list(stats.by_day.items())
    for heading, counts in (
        (tr._("By zone"), _largest_first(zones)), (tr._("By sector"), _largest_first(sectors)),
        (tr._("By language"), _largest_first(languages)), (tr._("By status"), _largest_first(statuses)),
        (tr._("By day"), [(day.isoformat(), n) for day, n in days]),
    ):
        lines += ["", heading, *(f"  {name}: {n}" for name, n in counts)]
    return "\n".join(lines)


def _largest_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
