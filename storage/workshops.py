"""Workshops, their work tables, the workshop origin of proposals, and facilitators' chats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FacilitatorChat, Proposal, Workshop, WorkshopOrigin, WorkshopTable


class WorkshopRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, workshop: Workshop, tables: Iterable[WorkshopTable]) -> Workshop:
        self._session.add(workshop)
        await self._session.flush()
        for table in tables:
            table.workshop_id = workshop.id
            self._session.add(table)
        await self._session.flush()
        return workshop

    async def get(self, workshop_id: int) -> Workshop | None:
        return await self._session.get(Workshop, workshop_id)

    async def of_consultation(self, consultation: str) -> Sequence[Workshop]:
        query = select(Workshop).where(Workshop.consultation == consultation).order_by(Workshop.held_on, Workshop.id)
        return (await self._session.execute(query)).scalars().all()

    async def tables(self, workshop_id: int) -> Sequence[WorkshopTable]:
        query = select(WorkshopTable).where(WorkshopTable.workshop_id == workshop_id).order_by(WorkshopTable.number)
        return (await self._session.execute(query)).scalars().all()

    async def table(self, workshop_id: int, number: int) -> WorkshopTable | None:
        return await self._session.get(WorkshopTable, (workshop_id, number))

    async def table_counts(self, workshop_ids: Sequence[int]) -> dict[int, int]:
        query = (
            select(WorkshopTable.workshop_id, func.count())
            .where(WorkshopTable.workshop_id.in_(workshop_ids))
            .group_by(WorkshopTable.workshop_id)
        )
        return {int(w): int(n) for w, n in (await self._session.execute(query)).all()}

    async def proposal_counts(self, workshop_ids: Sequence[int]) -> dict[int, int]:
        query = (
            select(WorkshopOrigin.workshop_id, func.count())
            .where(WorkshopOrigin.workshop_id.in_(workshop_ids))
            .group_by(WorkshopOrigin.workshop_id)
        )
        return {int(w): int(n) for w, n in (await self._session.execute(query)).all()}

    async def count_at_table(self, workshop_id: int, table_number: int) -> int:
        query = select(func.count()).where(
            WorkshopOrigin.workshop_id == workshop_id, WorkshopOrigin.table_number == table_number
        )
        return int((await self._session.execute(query)).scalar_one())

    async def add_origin(self, origin: WorkshopOrigin) -> WorkshopOrigin:
        self._session.add(origin)
        await self._session.flush()
        return origin

    async def origin_of(self, proposal_id: int) -> WorkshopOrigin | None:
        return await self._session.get(WorkshopOrigin, proposal_id)

    async def known_references(self, references: Sequence[str]) -> set[str]:
        """Which of ``references`` were imported already (into any workshop)."""
        found: set[str] = set()
        for start in range(0, len(references), 500):
            query = select(WorkshopOrigin.reference).where(
                WorkshopOrigin.reference.in_(references[start : start + 500])
            )
            found.update(str(ref) for ref in (await self._session.execute(query)).scalars())
        return found

    async def proposals_of(self, workshop_id: int) -> Sequence[tuple[Proposal, WorkshopOrigin]]:
        """The workshop's proposals with their origin, by table and in the order they were entered."""
        query = (
            select(Proposal, WorkshopOrigin)
            .join(WorkshopOrigin, WorkshopOrigin.proposal_id == Proposal.id)
            .where(WorkshopOrigin.workshop_id == workshop_id)
            .order_by(WorkshopOrigin.table_number, Proposal.id)
        )
        return [(p, o) for p, o in (await self._session.execute(query)).all()]


class FacilitatorChats:
    """Where facilitators' chats stand while they enter a table's proposals."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, chat_id: str) -> FacilitatorChat | None:
        query = select(FacilitatorChat).where(FacilitatorChat.channel == channel, FacilitatorChat.chat_id == chat_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, chat: FacilitatorChat) -> FacilitatorChat:
        self._session.add(chat)
        await self._session.flush()
        return chat

    async def of_staff(self, staff_id: int) -> FacilitatorChat | None:
        query = select(FacilitatorChat).where(FacilitatorChat.staff_id == staff_id).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def remove(self, chat: FacilitatorChat) -> None:
        await self._session.delete(chat)
