"""The status history of every proposal as CSV, for the command line and the web desk. Actors are
reduced to their kind (citizen, staff, cli): the audit log, not an export, keeps staff identities."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TextIO

from handlers.actors import Actor, kind_of
from handlers.services import Services
from storage.export_history import write_history_csv
from storage.uow import UnitOfWork


async def export_history(uow: UnitOfWork, services: Services, actor: Actor, out: TextIO, *, target: str) -> int:
    count = await write_history_csv(_with_kinds(uow.reports.history(services.consultation.timezone)), out)
    await uow.audit.record(str(actor), "export_history", target[-64:], rows=count)
    return count


async def _with_kinds(rows: AsyncIterator[dict[str, str]]) -> AsyncIterator[dict[str, str]]:
    async for row in rows:
        yield {**row, "actor": kind_of(row["actor"])}
