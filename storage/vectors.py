"""Proposals' similarity vectors (opaque bytes): stored with the proposal, read back in id order to
build and update an in-memory index, and read with the proposals' texts for near-duplicate groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.export import ExportFilter, conditions
from storage.models import Proposal, ProposalVector

BATCH = 5000


@dataclass(frozen=True)
class StoredVector:
    proposal_id: int
    consultation: str
    vector: bytes


@dataclass(frozen=True)
class ProposalText:
    """What near-duplicate groups need of a proposal: its texts, labels' ids and vector (None: not encoded yet)."""

    proposal_id: int
    code: str
    consultation: str
    axis_id: str
    pillar_id: str
    problem: str
    solution: str
    contribution: str
    language: str
    vector: bytes | None


class ProposalVectors:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, proposal_id: int, vector: bytes) -> None:
        """Store (or replace) a proposal's vector."""
        await self._session.merge(ProposalVector(proposal_id=proposal_id, vector=vector))

    async def counts(self) -> dict[str, int]:
        """How many vectors each consultation has (to size an index before reading them)."""
        query = (
            select(Proposal.consultation, func.count())
            .select_from(ProposalVector)
            .join(Proposal, Proposal.id == ProposalVector.proposal_id)
            .group_by(Proposal.consultation)
        )
        return {str(c): int(n) for c, n in (await self._session.execute(query)).all()}

    async def after(self, last_id: int, limit: int = BATCH) -> list[StoredVector]:
        """Vectors of proposals with an id above ``last_id``, in id order, at most ``limit``."""
        query = (
            select(ProposalVector.proposal_id, Proposal.consultation, ProposalVector.vector)
            .join(Proposal, Proposal.id == ProposalVector.proposal_id)
            .where(ProposalVector.proposal_id > last_id)
            .order_by(ProposalVector.proposal_id)
            .limit(limit)
        )
        return [StoredVector(int(i), str(c), bytes(v)) for i, c, v in (await self._session.execute(query)).all()]

    async def of(self, proposal_ids: Sequence[int]) -> list[StoredVector]:
        """The vectors of these proposals that exist (ids once missed by ``after``)."""
        found: list[StoredVector] = []
        for start in range(0, len(proposal_ids), 500):
            query = (
                select(ProposalVector.proposal_id, Proposal.consultation, ProposalVector.vector)
                .join(Proposal, Proposal.id == ProposalVector.proposal_id)
                .where(ProposalVector.proposal_id.in_(list(proposal_ids[start : start + 500])))
            )
            rows = (await self._session.execute(query)).all()
            found += [StoredVector(int(i), str(c), bytes(v)) for i, c, v in rows]
        return found

    async def texts(self, filters: ExportFilter, after_id: int = 0, limit: int = BATCH) -> list[ProposalText]:
        """Matching proposals with an id above ``after_id``, in id order, with their vectors if stored."""
        table = Proposal.__table__
        query = (
            select(
                table.c.id,
                table.c.code,
                table.c.consultation,
                table.c.axis_id,
                table.c.pillar_id,
                table.c.problem,
                table.c.solution,
                table.c.contribution,
                table.c.language,
                ProposalVector.vector,
            )
            .select_from(table.outerjoin(ProposalVector, ProposalVector.proposal_id == table.c.id))
            .where(conditions(filters), table.c.id > after_id)
            .order_by(table.c.id)
            .limit(limit)
        )
        return [
            ProposalText(
                int(row.id),
                str(row.code),
                str(row.consultation),
                str(row.axis_id),
                str(row.pillar_id),
                str(row.problem or ""),
                str(row.solution or ""),
                str(row.contribution or ""),
                str(row.language),
                bytes(row.vector) if row.vector is not None else None,
            )
            for row in (await self._session.execute(query)).all()
        ]
