"""Counts of proposals for the statistics: a few GROUP BY queries, never a row per proposal.

Days are counted in the consultation's time zone: the database groups by UTC
hour (portable between SQLite and PostgreSQL) and the hours are folded into
local days here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import READ_ONLY, Database
from storage.export import EVERYTHING, ExportFilter, conditions
from storage.models import Proposal

_TABLE = Proposal.__table__


@dataclass(frozen=True)
class Stats:
    total: int = 0
    by_axis_pillar: Mapping[tuple[str, str], int] = field(default_factory=dict)
    by_zone: Mapping[str | None, int] = field(default_factory=dict)
    by_source: Mapping[str, int] = field(default_factory=dict)
    """``chat`` and ``workshop``: where the proposals came from."""
    by_axis_pillar_source: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    by_zone_source: Mapping[tuple[str | None, str], int] = field(default_factory=dict)
    by_sector: Mapping[str | None, int] = field(default_factory=dict)
    by_language: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[str, int] = field(default_factory=dict)
    by_day: Mapping[date, int] = field(default_factory=dict)

    def by_axis(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (axis, _pillar), n in self.by_axis_pillar.items():
            totals[axis] += n
        return dict(totals)

    def by_pillar(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (_axis, pillar), n in self.by_axis_pillar.items():
            totals[pillar] += n
        return dict(totals)


async def proposal_stats(
    database: Database, filters: ExportFilter = EVERYTHING, timezone: str = "America/Guayaquil"
) -> Stats:
    where = conditions(filters)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        by_axis_pillar_source = await _grouped(conn, where, _TABLE.c.axis_id, _TABLE.c.pillar_id, _TABLE.c.source)
        by_zone_source = await _grouped(conn, where, _TABLE.c.zone, _TABLE.c.source)
        by_sector = await _grouped(conn, where, _TABLE.c.sector)
        by_language = await _grouped(conn, where, _TABLE.c.language)
        by_status = await _grouped(conn, where, _TABLE.c.status)
        by_hour = await _grouped(conn, where, _utc_hour(database).label("hour"))
    by_source: Counter[str] = Counter()
    by_axis_pillar: Counter[tuple[str, str]] = Counter()
    for (axis, pillar, source), n in by_axis_pillar_source.items():
        by_source[str(source)] += n
        by_axis_pillar[(str(axis), str(pillar))] += n
    by_zone: Counter[str | None] = Counter()
    for (zone, _source), n in by_zone_source.items():
        by_zone[_key(zone)] += n
    return Stats(
        total=sum(by_status.values()),
        by_axis_pillar=dict(by_axis_pillar),
        by_zone=dict(by_zone),
        by_source=dict(by_source),
        by_axis_pillar_source={(str(a), str(p), str(s)): n for (a, p, s), n in by_axis_pillar_source.items()},
        by_zone_source={(_key(z), str(s)): n for (z, s), n in by_zone_source.items()},
        by_sector={_key(s): n for (s,), n in by_sector.items()},
        by_language={str(lang): n for (lang,), n in by_language.items()},
        by_status={str(status): n for (status,), n in by_status.items()},
        by_day=_days(by_hour, ZoneInfo(timezone)),
    )


async def _grouped(conn: AsyncConnection, where: ColumnElement[bool], *keys: Any) -> dict[tuple[Any, ...], int]:
    query = select(*keys, func.count()).where(where).group_by(*keys)
    return {tuple(row[:-1]): int(row[-1]) for row in (await conn.execute(query)).all()}


def _utc_hour(database: Database) -> ColumnElement[Any]:
    column = _TABLE.c.submitted_at
    if database.is_sqlite:  # stored as naive UTC text
        return func.strftime("%Y-%m-%d %H:00:00", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:00:00")


def _days(by_hour: Mapping[tuple[Any, ...], int], zone_info: ZoneInfo) -> dict[date, int]:
    days: Counter[date] = Counter()
    for (hour,), n in by_hour.items():
        moment = datetime.strptime(str(hour), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        days[moment.astimezone(zone_info).date()] += n
    return dict(sorted(days.items()))


def _key(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
