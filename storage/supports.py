"""Supports: citizens who back a published proposal instead of sending the same idea again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Proposal, Support


class SupportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, proposal_id: int, participant_id: int) -> bool:
        """False when the person already supports it (nothing changes)."""
        if await self.has(proposal_id, participant_id):
            return False
        self._session.add(Support(proposal_id=proposal_id, participant_id=participant_id))
        await self._session.flush()
        return True

    async def has(self, proposal_id: int, participant_id: int) -> bool:
        query = select(Support.id).where(Support.proposal_id == proposal_id, Support.participant_id == participant_id)
        return (await self._session.execute(query)).first() is not None

    async def withdraw(self, proposal_id: int, participant_id: int) -> bool:
        """False when there was no such support."""
        result = await self._session.execute(
            delete(Support).where(Support.proposal_id == proposal_id, Support.participant_id == participant_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def of_participant(self, participant_id: int) -> Sequence[Proposal]:
        """The proposals a person supports, oldest support first."""
        query = (
            select(Proposal)
            .join(Support, Support.proposal_id == Proposal.id)
            .where(Support.participant_id == participant_id)
            .order_by(Support.created_at, Support.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def proposal_ids_of(self, participant_id: int) -> set[int]:
        """The ids of the proposals a person supports."""
        query = select(Support.proposal_id).where(Support.participant_id == participant_id)
        return {int(proposal_id) for proposal_id in (await self._session.execute(query)).scalars()}

    async def supporters_of(self, proposal_ids: Sequence[int]) -> dict[int, list[int]]:
        """Proposal id → the participant ids of its supporters (oldest first)."""
        found: dict[int, list[int]] = {}
        for start in range(0, len(proposal_ids), 500):
            query = (
                select(Support.proposal_id, Support.participant_id)
                .where(Support.proposal_id.in_(proposal_ids[start : start + 500]))
                .order_by(Support.created_at, Support.id)
            )
            for proposal_id, participant_id in (await self._session.execute(query)).all():
                found.setdefault(int(proposal_id), []).append(int(participant_id))
        return found

    async def counts(self, proposal_ids: Sequence[int]) -> dict[int, int]:
        """Proposal id → how many people support it (absent: none)."""
        found: dict[int, int] = {}
        for start in range(0, len(proposal_ids), 500):
            query = (
                select(Support.proposal_id, func.count())
                .where(Support.proposal_id.in_(proposal_ids[start : start + 500]))
                .group_by(Support.proposal_id)
            )
            found.update({int(p): int(n) for p, n in (await self._session.execute(query)).all()})
        return found
