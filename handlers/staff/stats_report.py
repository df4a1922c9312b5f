"""The statistics as text, in the reader's language: short lines that read well on a phone and a terminal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.consultation import Consultation, Option
from handlers.choices import SECTORS, SOURCES, STATUSES
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
    """The counts; when proposals come from both the chat and workshops, each count is followed by the
    counts per source, side by side: ``Movilidad Sostenible: 12 (8 · 4)``."""
    if stats.total == 0:
        return tr._("No proposals match.")
    lang = tr.language
    sources = [source for source in ordered_keys(SOURCES, stats.by_source) if stats.by_source.get(source)]
    split = Split(sources if len(sources) > 1 else [])
    lines = [tr._("Proposals: {count}").format(count=stats.total) + split.legend(tr, stats.by_source)]
    lines += ["", tr._("By thematic axis and pillar") + split.heading(tr)]
    by_axis = stats.by_axis()
    for axis_id in ordered_ids(consultation.axes, by_axis):
        if not by_axis.get(axis_id):
            continue
        per_source = {
            source: sum(n for (a, _p, s), n in stats.by_axis_pillar_source.items() if a == axis_id and s == source)
            for source in sources
        }
        lines.append(f"{axis_label(consultation, axis_id, lang)}: {by_axis[axis_id]}{split.counts(per_source)}")
        for pillar_id in ordered_ids(consultation.pillars, stats.by_pillar()):
            count = stats.by_axis_pillar.get((axis_id, pillar_id), 0)
            if count:
                per_source = {s: stats.by_axis_pillar_source.get((axis_id, pillar_id, s), 0) for s in sources}
                lines.append(f"  · {pillar_label(consultation, pillar_id, lang)}: {count}{split.counts(per_source)}")
    not_given = tr._("Not given")
    zones = {(_label(consultation.zones, z, lang) if z else not_given): z for z in stats.by_zone}
    lines += ["", tr._("By zone") + split.heading(tr)]
    for name, n in _largest_first({name: stats.by_zone[z] for name, z in zones.items()}):
        per_source = {s: stats.by_zone_source.get((zones[name], s), 0) for s in sources}
        lines.append(f"  {name}: {n}{split.counts(per_source)}")
    sectors = {(tr._(SECTORS.get(s, s)) if s else not_given): n for s, n in stats.by_sector.items()}
    languages = {language_name(code): n for code, n in stats.by_language.items()}
    statuses = {tr._(STATUSES.get(s, s)): n for s, n in stats.by_status.items()}
    days = list(stats.by_day.items())[-last_days:] if last_days else list(stats.by_day.items())
    for heading, counts in (
        (tr._("By sector"), _largest_first(sectors)),
        (tr._("By language"), _largest_first(languages)),
        (tr._("By status"), _largest_first(statuses)),
        (tr._("By day"), [(day.isoformat(), n) for day, n in days]),
    ):
        lines += ["", heading, *(f"  {name}: {n}" for name, n in counts)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Split:
    """Counts per source, side by side, when there is more than one source (else nothing is added)."""

    sources: list[str]

    def legend(self, tr: Translator, totals: Mapping[str, int]) -> str:
        if not self.sources:
            return ""
        return " (" + " · ".join(f"{_source_label(tr, s)} {totals.get(s, 0)}" for s in self.sources) + ")"

    def heading(self, tr: Translator) -> str:
        if not self.sources:
            return ""
        return " (" + " · ".join(_source_label(tr, s) for s in self.sources).lower() + ")"

    def counts(self, per_source: Mapping[str, int]) -> str:
        if not self.sources:
            return ""
        return " (" + " · ".join(str(per_source.get(s, 0)) for s in self.sources) + ")"


def _source_label(tr: Translator, source: str) -> str:
    return tr._(SOURCES[source]) if source in SOURCES else source


def ordered_keys(known: Mapping[str, str], found: Mapping[str, int]) -> list[str]:
    return list(known) + sorted(set(found) - set(known))


def _largest_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
