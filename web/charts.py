"""The public numbers as shapes the templates draw with inline SVG and HTML tables (no JavaScript):
bars by thematic axis, an axis × pillar heat map, proposals per day, and the share answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from config.consultation import Consultation, Option
from handlers.moderation.statuses import NEEDS_ANSWER
from handlers.staff.stats_report import ordered_ids
from storage.stats import Stats

LEVELS = 4


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float
    """0-100: the bar's length against the longest."""


@dataclass(frozen=True)
class Cell:
    count: int
    level: int
    """0 (none) to ``LEVELS`` (the most): the cell's shade."""


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: tuple[Cell, ...]
    total: int


@dataclass(frozen=True)
class Heat:
    columns: tuple[str, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class Day:
    day: date
    count: int
    x: float
    height: float
    """0-100 against the busiest day."""


@dataclass(frozen=True)
class Daily:
    days: tuple[Day, ...]
    width: float
    """Of the SVG's view box: one unit per day."""
    peak: int


@dataclass(frozen=True)
class Answered:
    answered: int
    total: int

    @property
    def share(self) -> float:
        return self.answered / self.total if self.total else 0.0


def _label(options: tuple[Option, ...], option_id: str, lang: str, *, short: bool = False) -> str:
    for option in options:
        if option.id == option_id:
            return (option.short_label(lang) if short else "") or option.label(lang)
    return option_id


def axis_bars(stats: Stats, consultation: Consultation, lang: str) -> list[Bar]:
    counts = stats.by_axis()
    ids = ordered_ids(consultation.axes, counts)
    peak = max(counts.values(), default=0)
    return [
        Bar(_label(consultation.axes, axis, lang), counts.get(axis, 0), 100 * counts.get(axis, 0) / peak if peak else 0)
        for axis in ids
    ]


def heat_map(stats: Stats, consultation: Consultation, lang: str) -> Heat:
    axes = ordered_ids(consultation.axes, stats.by_axis())
    pillars = ordered_ids(consultation.pillars, stats.by_pillar())
    peak = max(stats.by_axis_pillar.values(), default=0)

    def cell(count: int) -> Cell:
        return Cell(count, 0 if not count or not peak else max(1, round(LEVELS * count / peak)))

    rows = tuple(
        HeatRow(
            _label(consultation.axes, axis, lang),
            tuple(cell(stats.by_axis_pillar.get((axis, pillar), 0)) for pillar in pillars),
            sum(stats.by_axis_pillar.get((axis, pillar), 0) for pillar in pillars),
        )
        for axis in axes
    )
    columns = tuple(_label(consultation.pillars, pillar, lang, short=True) for pillar in pillars)
    return Heat(columns, rows)


def daily(stats: Stats) -> Daily:
    if not stats.by_day:
        return Daily((), 1, 0)
    first, last = min(stats.by_day), max(stats.by_day)
    span = (last - first).days + 1
    peak = max(stats.by_day.values())
    days = tuple(
        Day(day, stats.by_day.get(day, 0), float(n), 100 * stats.by_day.get(day, 0) / peak)
        for n, day in enumerate(first + timedelta(days=k) for k in range(span))
    )
    return Daily(days, float(span), peak)


def answered(stats: Stats) -> Answered:
    return Answered(sum(stats.by_status.get(status, 0) for status in NEEDS_ANSWER), stats.total)
