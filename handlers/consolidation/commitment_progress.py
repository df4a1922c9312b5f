"""A commitment's milestones and the progress staff record on it. Every progress update reaches every
author and supporter of the commitment's proposals (and the facilitators of its workshop proposals) once,
in their language: a citizen who proposed something follows it to implementation."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actors import Actor, channel_of
from handlers.consolidation.commitment_notices import progress_event, progressed, tell
from handlers.consolidation.commitment_people import people_of
from handlers.consolidation.commitment_rules import (
    MAX_NOTE,
    MAX_TITLE,
    CommitmentRefused,
    clean_text,
    find_commitment,
    parse_date,
)
from handlers.i18n import N_
from handlers.services import Services
from storage.models import Milestone, ProgressUpdate
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Recorded:
    update: ProgressUpdate
    told: int
    """Messages queued for the people of the commitment's proposals."""


async def add_milestone(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    code: str,
    title: str,
    due: str | None = None,
    *,
    via: str | None = None,
) -> Milestone:
    """A dated step of the commitment ``code``, numbered after its last one; ``due`` is ``YYYY-MM-DD``."""
    commitment = await find_commitment(uow, services, code)
    text = " ".join(title.split())
    if not text:
        raise CommitmentRefused(N_("A milestone needs a title."))
    if len(text) > MAX_TITLE:
        raise CommitmentRefused(N_("The title is longer than {maximum} characters."), maximum=MAX_TITLE)
    due_on = parse_date(due or "")
    milestone = await uow.commitments.add_milestone(Milestone(commitment_id=commitment.id, title=text, due_on=due_on))
    commitment.updated_at = services.clock()
    await uow.audit.record(
        str(actor),
        "commitment.milestone",
        commitment.code,
        number=milestone.number,
        title=text,
        due=due_on.isoformat() if due_on else None,
        **channel_of(via),
    )
    return milestone


async def record_progress(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    code: str,
    *,
    milestone: int | None = None,
    done: bool = False,
    note: str = "",
    via: str | None = None,
) -> Recorded:
    """Record progress on the commitment ``code`` — a note, about a milestone or not, or a milestone done —
    and tell its people, once each. The same update twice in a
    row (same milestone, same note) is refused: nobody is told twice."""
    commitment = await find_commitment(uow, services, code)
    text = clean_text(note, MAX_NOTE)
    step: Milestone | None = None
    if milestone is not None:
        step = await uow.commitments.milestone(commitment.id, milestone)
        if step is None:
            raise CommitmentRefused(
                N_("{commitment} has no milestone {number}."), commitment=commitment.code, number=milestone
            )
        if done and step.done_at is not None:
            raise CommitmentRefused(
                N_("Milestone {number} of {commitment} is already done."), commitment=commitment.code, number=milestone
            )
    elif done:
        raise CommitmentRefused(N_("Say which milestone is done."))
    if not text and not done:
        raise CommitmentRefused(N_("Say what progress was made."))
    latest = await uow.commitments.latest_progress(commitment.id)
    if latest is not None and (latest.milestone, latest.done, latest.note) == (milestone, done, text):
        raise CommitmentRefused(N_("This progress on {commitment} was already recorded."), commitment=commitment.code)
    now = services.clock()
    update = await uow.commitments.add_progress(
        ProgressUpdate(
            commitment_id=commitment.id, milestone=milestone, done=done, note=text, actor=str(actor), created_at=now
        )
    )
    if step is not None and done:
        step.done_at = now
    commitment.updated_at = now
    proposals = [p for p, _ in await uow.commitments.sources(commitment.id)]
    people = await people_of(uow, services, proposals)
    told = await tell(uow, services, commitment, progress_event(update), people, progressed(commitment, update, step))
    await uow.audit.record(
        str(actor),
        "commitment.progress",
        commitment.code,
        milestone=milestone,
        done=done,
        told=told,
        **channel_of(via),
    )
    return Recorded(update, told)
