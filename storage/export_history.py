"""The status history of every proposal, streamed: one row per change, oldest first."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.database import READ_ONLY, Database
from storage.export import neutralise
from storage.models import Proposal, StatusChange

HISTORY_COLUMNS = ("code", "status", "reason", "actor", "changed_at")


async def history_rows(database: Database, timezone: str = "America/Guayaquil") -> AsyncIterator[dict[str, str]]:
    zone = ZoneInfo(timezone)
    changes, proposals = StatusChange.__table__, Proposal.__table__
    query = (
        select(proposals.c.code, changes.c.status, changes.c.reason, changes.c.actor, changes.c.changed_at)
        .join(proposals, proposals.c.id == changes.c.proposal_id)
        .order_by(changes.c.proposal_id, changes.c.id)
    )
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY, yield_per=1000)
        async for row in await conn.stream(query):
            yield {
                "code": row.code,
                "status": row.status,
                "reason": row.reason or "",
                "actor": row.actor,
                "changed_at": row.changed_at.astimezone(zone).isoformat(timespec="seconds"),
            }


async def write_history_csv(rows: AsyncIterator[dict[str, str]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HISTORY_COLUMNS)
    count = 0
    async for row in rows:
        writer.writerow([neutralise(row[column]) for column in HISTORY_COLUMNS])
        count += 1
    return count
