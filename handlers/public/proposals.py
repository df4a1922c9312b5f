"""Published proposals for the public site, anonymised exactly like ``cocrea export --public``: the
same rows (``public_row``: days, never times of day) reduced to the same columns (``public_columns``).
Hidden proposals do not exist here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from handlers.listing import Page, page_bounds
from handlers.services import Services
from handlers.staff.columns import public_columns
from handlers.staff.labels import labeler
from storage.export import ExportFilter, Row, Value
from storage.stats import Stats
from storage.uow import UnitOfWork

_CODE = re.compile(r"^[A-Z]{2,6}-\d{1,12}$")


@dataclass(frozen=True)
class PublicChange:
    """One step of a proposal's status history: what, why and when; never who."""

    status: str
    reason: str | None
    changed_at: datetime


@dataclass(frozen=True)
class PublicProposal:
    row: Mapping[str, Value]
    """The proposal's public columns."""
    history: Sequence[PublicChange]


def published(services: Services, filters: ExportFilter) -> ExportFilter:
    """``filters`` on the configured consultation's proposals that moderators did not hide."""
    return replace(filters, consultation=services.consultation.slug, published_only=True)


def public_only(services: Services, row: Row) -> dict[str, Value]:
    return {column: row[column] for column in public_columns(services.steps)}


async def published_page(uow: UnitOfWork, services: Services, filters: ExportFilter, page: int, lang: str) -> Page:
    """One page of published proposals, newest first, with labels in ``lang``."""
    filters = published(services, filters)
    total = await uow.reports.count(filters)
    number, offset, size = page_bounds(page, total)
    label = labeler(services.consultation, services.catalogs, lang)
    rows = await uow.reports.public_page(label, filters, services.consultation.timezone, offset=offset, limit=size)
    return Page([public_only(services, row) for row in rows], total, number, size)


def tracking_code(typed: str) -> str | None:
    """A tracking code as a citizen may type it (`` uio-0042 ``, ``UIO 0042``), or None if it is not one."""
    code = re.sub(r"[\s_–—-]+", "-", typed.strip().upper())
    return code if _CODE.match(code) else None


async def published_proposal(uow: UnitOfWork, services: Services, code: str, lang: str) -> PublicProposal | None:
    """The proposal with this code and its status history, or None when there is none or it is hidden."""
    filters = published(services, ExportFilter(codes=(code,)))
    label = labeler(services.consultation, services.catalogs, lang)
    rows = await uow.reports.public_page(label, filters, services.consultation.timezone, offset=0, limit=1)
    if not rows:
        return None
    history = [
        PublicChange(change.status, change.reason, change.changed_at)
        for change in await uow.proposals.history(int(str(rows[0]["id"])))
    ]
    return PublicProposal(public_only(services, rows[0]), history)


async def public_numbers(uow: UnitOfWork, services: Services) -> Stats:
    """The counts the public home shows (by axis × pillar, by day, by status) of published proposals."""
    return await uow.reports.stats(published(services, ExportFilter()), services.consultation.timezone)
