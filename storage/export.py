"""Streaming exports of submitted proposals: rows are read in batches, never all at once.

The caller supplies the label lookup (axis, pillar, zone and sector names in a
language), so storage knows nothing about consultations or catalogs.

Two shapes share the same reader:

* the staff export (``COLUMNS``): everything consolidation needs, with a stable
  pseudonym instead of any channel id;
* the public export (``PUBLIC_COLUMNS``), the OGP "public repository": the
  proposal, its axis and pillar, its status and the reasoned answer — no
  participant, no profile answer (zone, sector, age), no location, no time of day.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, select, true

from storage.database import READ_ONLY, Database
from storage.models import Proposal, ThreadMessage

COLUMNS = (
    "code", "submitted_at", "consultation", "axis_id", "axis", "pillar_id", "pillar", "problem", "solution",
    "contribution", "zone", "sector", "age_range", "language", "channel", "status", "status_reason",
    "answered_at", "follow_up_count", "attachment_count", "participant",
)
PUBLIC_COLUMNS = (
    "code", "submitted_on", "consultation", "axis_id", "axis", "pillar_id", "pillar", "problem", "solution",
    "contribution", "status", "status_reason", "answered_on",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
BATCH = 1000

Label = Callable[[str, str | None], str]
Value = str | int | float | None
Row = Mapping[str, Value]


@dataclass(frozen=True)
class ExportFilter:
    """Which proposals to read. Empty tuples mean "any"; ``since`` is inclusive, ``until`` exclusive."""

    consultation: str | None = None
    axes: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    published_only: bool = False
    """Leave out proposals moderators hid (for anything made public)."""

    def describe(self) -> dict[str, Any]:
        """The filters that are set, as plain values (for the audit log)."""
        values = {
            "consultation": self.consultation, "axis": list(self.axes), "pillar": list(self.pillars),
            "zone": list(self.zones), "status": list(self.statuses), "language": list(self.languages),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: value for key, value in values.items() if value}


EVERYTHING = ExportFilter()

_TABLE = Proposal.__table__
_THREADS = ThreadMessage.__table__


def conditions(filters: ExportFilter) -> ColumnElement[bool]:
    """The WHERE clause of ``filters`` on the proposals table (shared with the statistics)."""
    clauses: list[ColumnElement[bool]] = []
    if filters.consultation:
        clauses.append(_TABLE.c.consultation == filters.consultation)
    for column, wanted in (
        (_TABLE.c.axis_id, filters.axes), (_TABLE.c.pillar_id, filters.pillars), (_TABLE.c.zone, filters.zones),
        (_TABLE.c.status, filters.statuses), (_TABLE.c.language, filters.languages),
    ):
        if wanted:
            clauses.append(column.in_(wanted))
    if filters.since is not None:
        clauses.append(_TABLE.c.submitted_at >= filters.since)
    if filters.until is not None:
        clauses.append(_TABLE.c.submitted_at < filters.until)
    if filters.published_only:
        clauses.append(_TABLE.c.hidden == false())
    return and_(true(), *clauses)


def _query(filters: ExportFilter) -> Select[Any]:
    follow_ups = (
        select(func.count())
        .where(_THREADS.c.proposal_id == _TABLE.c.id)
        .correlate(_TABLE)
        .scalar_subquery()
        .label("follow_up_count")
    )
    attachments = func.coalesce(func.json_array_length(_TABLE.c.attachments), 0).label("attachment_count")
    columns = [column for column in _TABLE.c if column.name != "attachments"]
    return select(*columns, follow_ups, attachments).where(conditions(filters)).order_by(_TABLE.c.id)


async def count_proposals(database: Database, filters: ExportFilter = EVERYTHING) -> int:
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        result = await conn.execute(select(func.count()).select_from(_TABLE).where(conditions(filters)))
        return int(result.scalar_one())


async def proposal_rows(
    database: Database, label: Label, filters: ExportFilter = EVERYTHING, timezone: str = "America/Guayaquil"
) -> AsyncIterator[Row]:
    """Every matching proposal as a staff-export row (``COLUMNS``, plus ``latitude`` and ``longitude``),
    oldest first, read in batches of ``BATCH`` on a read-only connection."""
    zone_info = ZoneInfo(timezone)
    cached_label = functools.lru_cache(maxsize=4096)(label)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY, yield_per=BATCH)
        result = await conn.stream(_query(filters))
        async for batch in result.partitions():  # one hop to the driver per batch, not per row
            for row in batch:
                yield _row(row, cached_label, zone_info)


async def public_rows(
    database: Database, label: Label, filters: ExportFilter = EVERYTHING, timezone: str = "America/Guayaquil"
) -> AsyncIterator[Row]:
    """The public repository's rows (``PUBLIC_COLUMNS``): nothing about the person who wrote them."""
    async for row in proposal_rows(database, label, filters, timezone):
        yield public_row(row)


def public_row(row: Row) -> dict[str, Value]:
    submitted, answered = row["submitted_at"], row["answered_at"]
    public = {column: row[column] for column in PUBLIC_COLUMNS if column in row}
    public["submitted_on"] = str(submitted)[:10] if submitted else None
    public["answered_on"] = str(answered)[:10] if answered else None
    return {column: public[column] for column in PUBLIC_COLUMNS}


def _row(p: Any, label: Label, zone_info: ZoneInfo) -> dict[str, Value]:
    return {
        "code": p.code,
        "submitted_at": _iso(p.submitted_at, zone_info),
        "consultation": p.consultation,
        "axis_id": p.axis_id,
        "axis": label("axis", p.axis_id),
        "pillar_id": p.pillar_id,
        "pillar": label("pillar", p.pillar_id),
        "problem": p.problem,
        "solution": p.solution,
        "contribution": p.contribution,
        "zone": label("zone", p.zone) if p.zone else None,
        "sector": label("sector", p.sector) if p.sector else None,
        "age_range": label("age", p.age_range) if p.age_range else None,
        "language": p.language,
        "channel": p.channel,
        "status": p.status,
        "status_reason": p.status_reason or None,
        "answered_at": _iso(p.answered_at, zone_info),
        "follow_up_count": int(p.follow_up_count or 0),
        "attachment_count": int(p.attachment_count or 0),
        "participant": p.participant_pseudonym,
        "latitude": p.latitude,
        "longitude": p.longitude,
    }


def _iso(moment: datetime | None, zone_info: ZoneInfo) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zone_info).isoformat(timespec="seconds")


def neutralise(value: str) -> str:
    """Stop spreadsheet programs from reading a cell as a formula: prefix it with ``'``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_text(value: Value) -> str:
    """A value as a CSV cell: empty for missing, numbers as digits, text neutralised."""
    if isinstance(value, str):
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    return "" if value is None else str(value)


def spreadsheet_row(row: Row, columns: Sequence[str]) -> list[str]:
    """``spreadsheet_text`` of each column, inlined: this runs for every cell of a large export."""
    return [
        ("'" + value if value[:1] in _FORMULA_FIRST else value) if isinstance(value, str)
        else ("" if value is None else str(value))
        for value in map(row.__getitem__, columns)
    ]


async def write_csv(
    rows: AsyncIterator[Row], out: TextIO, *, delimiter: str = ",", columns: Sequence[str] = COLUMNS
) -> int:
    """Write a header and one line per row; returns the number of rows. The caller opens ``out``
    (``utf-8-sig`` so that Excel reads accents, ``newline=""``)."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        writer.writerow(spreadsheet_row(row, columns))
        count += 1
    return count
