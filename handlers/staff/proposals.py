"""What the web desk reads about proposals: the table with the export's filters, the queue of new
proposals nobody reviewed yet, and one proposal's whole file (viewing it is written to the audit log:
it shows the author's profile)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from handlers.actors import Actor, channel_of
from handlers.listing import Page, page_bounds
from handlers.moderation.recipients import author_of, workshop_origin
from handlers.services import Services
from handlers.staff.labels import labeler
from handlers.workshops.origin import Origin
from storage.export import ExportFilter
from storage.models import Proposal, StatusChange, ThreadMessage
from storage.uow import UnitOfWork

UNREVIEWED = "received"


@dataclass(frozen=True)
class ProposalFile:
    proposal: Proposal
    history: Sequence[StatusChange]
    thread: Sequence[ThreadMessage]
    reachable: bool
    """Whether the author can still be written to (they may have deleted their data; for a workshop
    proposal, whether its facilitator is still one)."""
    origin: Origin | None = None
    """The workshop and table of a workshop proposal."""


def of_consultation(services: Services, filters: ExportFilter) -> ExportFilter:
    """The filters, on the configured consultation's proposals."""
    return replace(filters, consultation=services.consultation.slug)


async def proposal_table(uow: UnitOfWork, services: Services, filters: ExportFilter, page: int, lang: str) -> Page:
    """One page of the staff table (the staff export's rows), newest first."""
    filters = of_consultation(services, filters)
    total = await uow.reports.count(filters)
    number, offset, size = page_bounds(page, total)
    label = labeler(services.consultation, services.catalogs, lang)
    rows = await uow.reports.page(label, filters, services.consultation.timezone, offset=offset, limit=size)
    return Page(rows, total, number, size)


async def review_queue(uow: UnitOfWork, services: Services, page: int, lang: str) -> Page:
    """Proposals still as they arrived (status received), oldest first: the next one to read is on top."""
    filters = of_consultation(services, ExportFilter(statuses=(UNREVIEWED,)))
    total = await uow.reports.count(filters)
    number, offset, size = page_bounds(page, total)
    label = labeler(services.consultation, services.catalogs, lang)
    rows = await uow.reports.page(
        label, filters, services.consultation.timezone, offset=offset, limit=size, newest_first=False
    )
    return Page(rows, total, number, size)


async def find_proposal(uow: UnitOfWork, code: str) -> Proposal | None:
    return await uow.proposals.by_code(code.strip().upper()[:24])


async def proposal_file(
    uow: UnitOfWork, services: Services, actor: Actor, code: str, *, via: str | None = None
) -> ProposalFile | None:
    """A proposal with its status history and its thread; the view is recorded in the audit log."""
    proposal = await find_proposal(uow, code)
    if proposal is None:
        return None
    reachable = await author_of(uow, services, proposal) is not None
    history = await uow.proposals.history(proposal.id)
    thread = await uow.threads.of_proposal(proposal.id)
    await uow.audit.record(str(actor), "view_proposal", proposal.code, **channel_of(via))
    return ProposalFile(proposal, history, thread, reachable, await workshop_origin(uow, proposal))
