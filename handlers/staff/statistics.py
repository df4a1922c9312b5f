"""Statistics of proposals, one use case for the command line, the bot and the web desk."""

from __future__ import annotations

from typing import Any

from handlers.actors import Actor
from handlers.services import Services
from storage.export import ExportFilter
from storage.stats import Stats
from storage.uow import UnitOfWork


async def statistics(
    uow: UnitOfWork, services: Services, actor: Actor, filters: ExportFilter, lang: str, *, via: str, **detail: Any
) -> Stats:
    """The counts ``filters`` select, recorded in the audit log (committed by the caller)."""
    counts = await uow.reports.stats(filters, services.consultation.timezone)
    await uow.audit.record(
        str(actor), "stats", None, via=via, lang=lang, filters=filters.describe(), total=counts.total, **detail
    )
    return counts
