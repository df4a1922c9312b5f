"""A workshop proposal joins the chat's: the same tracking-code sequence, the same columns (from the
step table), no participant and no profile, and its origin (workshop, table, backers, who entered it).

``enter_proposal`` is the facilitator's use case (one proposal from the chat, audited); the spreadsheet
import stores many with ``store_proposal`` in its own single transaction and audits the import once."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actors import Actor
from handlers.intake.draft import Draft
from handlers.messages import Outgoing
from handlers.moderation.cards import card
from handlers.services import Services
from handlers.workshops.origin import WORKSHOP, Origin, workshop_ref
from storage.models import Proposal, Workshop, WorkshopOrigin
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Seat:
    """Where a facilitator enters proposals: a workshop and one of its tables."""

    workshop: Workshop
    table: int


@dataclass(frozen=True)
class EnteredBy:
    """Who enters workshop proposals, and how."""

    actor: Actor
    channel: str
    """The chat's channel (``telegram``…) or ``spreadsheet`` for an import."""
    language: str
    """The language the texts are written in."""
    staff_id: int | None = None
    """The facilitator who answers the moderators' questions about them."""


async def store_proposal(
    uow: UnitOfWork, services: Services, seat: Seat, draft: Draft, by: EnteredBy, *, reference: str | None = None
) -> Proposal:
    """Store the proposal of ``draft`` as one of the table's, with the next tracking code."""
    consultation = services.consultation
    number = await uow.counters.next(f"code:{consultation.slug}")
    proposal = Proposal(
        code=f"{consultation.code_prefix}-{number:04d}",
        consultation=consultation.slug,
        participant_id=None,
        participant_pseudonym=None,
        zone=seat.workshop.zone,
        language=by.language,
        channel=by.channel,
        latitude=draft.location.latitude if draft.location else None,
        longitude=draft.location.longitude if draft.location else None,
        attachments=list(draft.photos),
        status="received",
        submitted_at=services.clock(),
        source=WORKSHOP,
    )
    for step in services.steps.proposal:
        if step.export_columns:
            setattr(proposal, step.stored_as, draft.get(step.field))
    await uow.proposals.add(proposal, actor=str(by.actor))
    await uow.workshops.add_origin(
        WorkshopOrigin(
            proposal_id=proposal.id,
            workshop_id=seat.workshop.id,
            table_number=seat.table,
            backers=draft.backers,
            entered_by=str(by.actor),
            staff_id=by.staff_id,
            reference=reference,
        )
    )
    return proposal


def origin_of(seat: Seat, backers: int | None) -> Origin:
    workshop = seat.workshop
    return Origin(workshop.id, workshop.name, workshop.held_on, seat.table, backers)


async def enter_proposal(
    uow: UnitOfWork, services: Services, seat: Seat, draft: Draft, by: EnteredBy
) -> tuple[Proposal, list[Outgoing]]:
    """A facilitator enters one proposal of the table: stored (with its similarity vector), audited, and its
    card for the moderators."""
    proposal = await store_proposal(uow, services, seat, draft, by)
    await services.similar.store(uow, [proposal])
    await uow.audit.record(
        str(by.actor), "workshop.proposal", proposal.code, workshop=workshop_ref(seat.workshop.id), table=seat.table
    )
    moderators_card = card(services, proposal, origin_of(seat, draft.backers))
    return proposal, [moderators_card] if moderators_card is not None else []
