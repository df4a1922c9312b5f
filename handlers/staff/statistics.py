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
    """The counts ``filters`` select, recorded in the audit log (committed by the caller).

    The counts are read on the driver's thread (SQLite): on the event loop they would hold every chat's
    updates and replies for as long as they take (about half a second at 200,000 proposals)."""
    async with services.uow.reading_in_background() as reading:
        counts = await reading.reports.stats(filters, services.consultation.timezone)
    await uow.audit.record(
        str(actor), "stats", None, via=via, lang=lang, filters=filters.describe(), total=counts.total, **detail
    )
    return counts
