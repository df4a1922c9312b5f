"""Commitments of the action plan, the proposals merged (or split) into them, their milestones, progress
updates, and who was told of what. Queries by intent; nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Commitment,
    CommitmentNotice,
    CommitmentSource,
    Milestone,
    Participant,
    ProgressUpdate,
    Proposal,
    WorkshopOrigin,
)
from storage.repositories import Counters

CHUNK = 500


class CommitmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- commitments -------------------------------------------------------------------------------

    async def next_code(self, consultation: str, prefix: str) -> str:
        """The next free code of the consultation: ``UIO-C01``, ``UIO-C02``… (never reused)."""
        number = await Counters(self._session).next(f"commitment:{consultation}")
        return f"{prefix}-C{number:02d}"

    async def add(self, commitment: Commitment) -> Commitment:
        self._session.add(commitment)
        await self._session.flush()
        return commitment

    async def by_code(self, code: str) -> Commitment | None:
        query = select(Commitment).where(Commitment.code == code)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def of_consultation(self, consultation: str) -> Sequence[Commitment]:
        """The consultation's commitments, in the order they were drafted."""
        query = select(Commitment).where(Commitment.consultation == consultation).order_by(Commitment.id)
        return (await self._session.execute(query)).scalars().all()

    # --- sources -----------------------------------------------------------------------------------

    async def sources(self, commitment_id: int) -> Sequence[tuple[Proposal, CommitmentSource]]:
        """The proposals of a commitment with their link, in the order they were linked."""
        query = (
            select(Proposal, CommitmentSource)
            .join(CommitmentSource, CommitmentSource.proposal_id == Proposal.id)
            .where(CommitmentSource.commitment_id == commitment_id)
            .order_by(CommitmentSource.linked_at, Proposal.id)
        )
        return [(p, s) for p, s in (await self._session.execute(query)).all()]

    async def source_codes(self, commitment_ids: Sequence[int]) -> dict[int, list[str]]:
        """Commitment id → the codes of its proposals, in the order they were linked (absent: none)."""
        found: dict[int, list[str]] = {}
        for start in range(0, len(commitment_ids), CHUNK):
            query = (
                select(CommitmentSource.commitment_id, Proposal.code)
                .join(Proposal, Proposal.id == CommitmentSource.proposal_id)
                .where(CommitmentSource.commitment_id.in_(commitment_ids[start : start + CHUNK]))
                .order_by(CommitmentSource.linked_at, Proposal.id)
            )
            for commitment_id, code in (await self._session.execute(query)).all():
                found.setdefault(int(commitment_id), []).append(str(code))
        return found

    async def links_of(self, proposal_ids: Sequence[int]) -> dict[int, list[CommitmentSource]]:
        """Proposal id → every link it has to a commitment, oldest first (absent: none)."""
        found: dict[int, list[CommitmentSource]] = {}
        for start in range(0, len(proposal_ids), CHUNK):
            query = (
                select(CommitmentSource)
                .where(CommitmentSource.proposal_id.in_(proposal_ids[start : start + CHUNK]))
                .order_by(CommitmentSource.linked_at, CommitmentSource.commitment_id)
            )
            for link in (await self._session.execute(query)).scalars():
                found.setdefault(link.proposal_id, []).append(link)
        return found

    async def commitments_of(self, proposal_ids: Sequence[int]) -> dict[int, list[str]]:
        """Proposal id → the codes of the commitments it is part of, oldest link first (absent: none).
        For exports and pages that show, beside each proposal, what it became."""
        found: dict[int, list[str]] = {}
        for start in range(0, len(proposal_ids), CHUNK):
            query = (
                select(CommitmentSource.proposal_id, Commitment.code)
                .join(Commitment, Commitment.id == CommitmentSource.commitment_id)
                .where(CommitmentSource.proposal_id.in_(proposal_ids[start : start + CHUNK]))
                .order_by(CommitmentSource.linked_at, Commitment.id)
            )
            for proposal_id, code in (await self._session.execute(query)).all():
                found.setdefault(int(proposal_id), []).append(str(code))
        return found

    async def link(self, sources: Iterable[CommitmentSource]) -> None:
        self._session.add_all(list(sources))
        await self._session.flush()

    async def unlink(self, sources: Iterable[CommitmentSource]) -> None:
        for source in sources:
            await self._session.delete(source)
        await self._session.flush()

    # --- the people behind the proposals ----------------------------------------------------------------

    async def backers(self, proposal_ids: Sequence[int]) -> dict[int, int | None]:
        """Workshop proposal id → how many people at its table back it (None: not counted)."""
        found: dict[int, int | None] = {}
        for start in range(0, len(proposal_ids), CHUNK):
            query = select(WorkshopOrigin.proposal_id, WorkshopOrigin.backers).where(
                WorkshopOrigin.proposal_id.in_(proposal_ids[start : start + CHUNK])
            )
            found.update({int(p): None if b is None else int(b) for p, b in (await self._session.execute(query)).all()})
        return found

    async def sectors(self, participant_ids: Sequence[int]) -> dict[int, str]:
        """Participant id → the sector they gave in their profile (absent: none given)."""
        found: dict[int, str] = {}
        for start in range(0, len(participant_ids), CHUNK):
            query = select(Participant.id, Participant.sector).where(
                Participant.id.in_(participant_ids[start : start + CHUNK]), Participant.sector.is_not(None)
            )
            found.update({int(p): str(s) for p, s in (await self._session.execute(query)).all()})
        return found

    # --- milestones and progress -------------------------------------------------------------------

    async def milestones(self, commitment_id: int) -> Sequence[Milestone]:
        query = select(Milestone).where(Milestone.commitment_id == commitment_id).order_by(Milestone.number)
        return (await self._session.execute(query)).scalars().all()

    async def milestone(self, commitment_id: int, number: int) -> Milestone | None:
        return await self._session.get(Milestone, (commitment_id, number))

    async def add_milestone(self, milestone: Milestone) -> Milestone:
        """Numbered after the commitment's last milestone."""
        query = select(func.max(Milestone.number)).where(Milestone.commitment_id == milestone.commitment_id)
        last = (await self._session.execute(query)).scalar_one_or_none()
        milestone.number = int(last or 0) + 1
        self._session.add(milestone)
        await self._session.flush()
        return milestone

    async def progress(self, commitment_id: int) -> Sequence[ProgressUpdate]:
        """The commitment's progress updates, oldest first."""
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.commitment_id == commitment_id)
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def latest_progress(self, commitment_id: int) -> ProgressUpdate | None:
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.commitment_id == commitment_id)
            .order_by(ProgressUpdate.id.desc())
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add_progress(self, update: ProgressUpdate) -> ProgressUpdate:
        self._session.add(update)
        await self._session.flush()
        return update

    # --- who was told of what ----------------------------------------------------------------------

    async def already_told(self, commitment_id: int, event: str, recipients: Sequence[str]) -> set[str]:
        """Which of ``recipients`` (``participant:<id>``, ``proposal:<id>``) were told of ``event`` already."""
        found: set[str] = set()
        for start in range(0, len(recipients), CHUNK):
            query = select(CommitmentNotice.recipient).where(
                CommitmentNotice.commitment_id == commitment_id,
                CommitmentNotice.event == event,
                CommitmentNotice.recipient.in_(recipients[start : start + CHUNK]),
            )
            found.update(str(r) for r in (await self._session.execute(query)).scalars())
        return found

    async def mark_told(self, commitment_id: int, event: str, recipients: Iterable[str], at: datetime) -> None:
        for recipient in recipients:
            self._session.add(
                CommitmentNotice(commitment_id=commitment_id, event=event, recipient=recipient, created_at=at)
            )
        await self._session.flush()

    async def forget_told(self, commitment_id: int, event: str, recipients: Sequence[str]) -> None:
        """They may be told of ``event`` again (a merge that was undone, then made again)."""
        for start in range(0, len(recipients), CHUNK):
            await self._session.execute(
                delete(CommitmentNotice).where(
                    CommitmentNotice.commitment_id == commitment_id,
                    CommitmentNotice.event == event,
                    CommitmentNotice.recipient.in_(recipients[start : start + CHUNK]),
                )
            )
