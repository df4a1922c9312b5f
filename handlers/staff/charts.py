"""The statistics chart: an axis × pillar heat map above the daily intake, as a PNG.

Sized for a phone held upright (1080 px wide), with large type and long labels
wrapped. matplotlib is imported when a chart is drawn, never at start-up, and
only through its object API (no pyplot state), so drawing is safe anywhere.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from babel.core import UnknownLocaleError
from babel.dates import format_date

from config.consultation import Consultation
from handlers.i18n import Translator
from handlers.staff.stats_report import axis_label, ordered_ids, pillar_label
from storage.stats import Stats

WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.2, 10.0, 150
FONT_SIZE = 12
DAY_TICKS = 6


def draw_chart(stats: Stats, consultation: Consultation, tr: Translator, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_chart(stats, consultation, tr, out)
    return path


def write_chart(stats: Stats, consultation: Consultation, tr: Translator, out: IO[bytes]) -> None:
    """The chart as PNG bytes into ``out`` (the web desk shows it without writing a file)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    heat, line = figure.subplots(2, 1, height_ratios=(3, 2))
    _heat_map(heat, stats, consultation, tr)
    _daily_line(line, stats, tr)
    figure.savefig(out, format="png")


def _heat_map(ax: Any, stats: Stats, consultation: Consultation, tr: Translator) -> None:
    axes = ordered_ids(consultation.axes, stats.by_axis())
    pillars = ordered_ids(consultation.pillars, stats.by_pillar())
    grid = [[stats.by_axis_pillar.get((a, p), 0) for p in pillars] for a in axes]
    ax.imshow(grid, cmap="Blues", aspect="auto", vmin=0)
    peak = max((n for row in grid for n in row), default=0)
    for y, row in enumerate(grid):
        for x, n in enumerate(row):
            colour = "white" if peak and n > peak * 0.6 else ("black" if n else "#aaaaaa")
            ax.text(x, y, str(n), ha="center", va="center", fontsize=FONT_SIZE, color=colour)
    ax.set_xticks(
        range(len(pillars)),
        [_wrap(pillar_label(consultation, p, tr.language), 14) for p in pillars],
        fontsize=FONT_SIZE - 3,
    )
    ax.set_yticks(
        range(len(axes)), [_wrap(axis_label(consultation, a, tr.language), 24) for a in axes], fontsize=FONT_SIZE - 3
    )
    ax.tick_params(length=0)
    ax.set_title(
        tr._("Proposals by thematic axis and pillar ({count})").format(count=stats.total),
        fontsize=FONT_SIZE + 1,
        loc="left",
    )


def _daily_line(ax: Any, stats: Stats, tr: Translator) -> None:
    from matplotlib.ticker import MaxNLocator

    days = _every_day(stats.by_day)
    ax.plot(range(len(days)), [stats.by_day.get(day, 0) for day in days], marker="o", linewidth=2, markersize=4)
    ticks = _tick_positions(len(days), DAY_TICKS)
    ax.set_xticks(ticks, [_day_label(days[n], tr.language) for n in ticks])
    ax.set_xlim(-1, max(len(days), 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(labelsize=FONT_SIZE - 2)
    ax.set_title(tr._("Proposals per day"), fontsize=FONT_SIZE + 1, loc="left")


def _tick_positions(count: int, most: int) -> list[int]:
    if count <= most:
        return list(range(count))
    step = -(-(count - 1) // (most - 1))
    return list(range(0, count, step))


def _every_day(by_day: Mapping[date, int]) -> list[date]:
    """Every day from the first to the last with proposals, so that quiet days show as zero."""
    if not by_day:
        return []
    first, last = min(by_day), max(by_day)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_label(day: date, language: str) -> str:
    """A tick's date as "15 jul", in the reader's language."""
    try:
        return str(format_date(day, "d MMM", locale=language))
    except (UnknownLocaleError, ValueError):
        return day.isoformat()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=3, placeholder="…")) or text
