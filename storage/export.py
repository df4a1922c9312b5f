"""Streaming exports of submitted proposals: rows are read in batches, never all at once.

The caller supplies the label lookup (axis, pillar, zone and sector names in a
language), so storage knows nothing about consultations or catalogs.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from storage.database import READ_ONLY, Database
from storage.models import Proposal

COLUMNS = (
    "code", "submitted_at", "consultation", "axis_id", "axis", "pillar_id", "pillar", "problem", "solution",
    "contribution", "zone", "sector", "age_range", "language", "channel", "status", "status_reason",
    "answered_at", "follow_up_count", "attachment_count", "participant",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000

Label = Callable[[str, str | None], str]


@dataclass(frozen=True)
class ExportFilter:
    consultation: str | None = None
    status: str | None = None


_TABLE = Proposal.__table__


def _query(filters: ExportFilter) -> Select[Any]:
    query = select(_TABLE).order_by(_TABLE.c.id)
    if filters.consultation:
        query = query.where(_TABLE.c.consultation == filters.consultation)
    if filters.status:
        query = query.where(_TABLE.c.status == filters.status)
    return query


async def proposal_rows(
    database: Database, label: Label, filters: ExportFilter = ExportFilter(), timezone: str = "America/Guayaquil"
) -> AsyncIterator[dict[str, str]]:
    zone_info = ZoneInfo(timezone)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY, yield_per=BATCH)
        result = await conn.stream(_query(filters))
        async for row in result:
            yield _row(row, label, zone_info)


def _row(p: Any, label: Label, zone_info: ZoneInfo) -> dict[str, str]:
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
        "zone": label("zone", p.zone),
        "sector": label("sector", p.sector),
        "age_range": label("age", p.age_range),
        "language": p.language,
        "channel": p.channel,
        "status": p.status,
        "status_reason": p.status_reason or "",
        "answered_at": _iso(p.answered_at, zone_info),
        "follow_up_count": "0",
        "attachment_count": str(len(p.attachments or [])),
        "participant": p.participant_pseudonym,
    }


def _iso(moment: datetime | None, zone_info: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone_info).isoformat(timespec="seconds")


def neutralise(value: str) -> str:
    """Stop spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


async def write_csv(rows: AsyncIterator[dict[str, str]], out: TextIO, *, delimiter: str = ",") -> int:
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    async for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
        count += 1
    return count
