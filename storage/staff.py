"""Staff roles and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, StaffInvitation, StaffMember
from storage.roles import ROLES


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, external_id: str) -> StaffMember | None:
        query = select(StaffMember).where(StaffMember.channel == channel, StaffMember.external_id == external_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def get(self, member_id: int) -> StaffMember | None:
        return await self._session.get(StaffMember, member_id)

    async def put(self, channel: str, external_id: str, role: str, added_by: str) -> StaffMember:
        """Add a staff member, or change the role of an existing one."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        member = await self.find(channel, external_id)
        if member is None:
            member = StaffMember(channel=channel, external_id=external_id, role=role, added_by=added_by)
            self._session.add(member)
        else:
            member.role = role
        await self._session.flush()
        return member

    async def remove(self, channel: str, external_id: str) -> bool:
        result = await self._session.execute(
            delete(StaffMember).where(StaffMember.channel == channel, StaffMember.external_id == external_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def all(self) -> Sequence[StaffMember]:
        query = select(StaffMember).order_by(StaffMember.role, StaffMember.external_id)
        return (await self._session.execute(query)).scalars().all()


class Invitations:
    """One-time codes that give a staff role; only their hashes are stored."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invitation: StaffInvitation) -> StaffInvitation:
        self._session.add(invitation)
        await self._session.flush()
        return invitation

    async def by_hash(self, code_hash: str) -> StaffInvitation | None:
        query = select(StaffInvitation).where(StaffInvitation.code_hash == code_hash)
        return (await self._session.execute(query)).scalar_one_or_none()


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, actor: str, action: str, target: str | None = None, **detail: Any) -> None:
        self._session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail))

    async def latest(self, limit: int = 100, *, before: int | None = None) -> Sequence[AuditEntry]:
        """The latest entries, newest first (those older than the entry ``before``, to page back)."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        return (await self._session.execute(query)).scalars().all()
