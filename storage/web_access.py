"""Sign-in links and sessions of the web desk. Tokens are never stored: only their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StaffMember, WebSession, WebSignInLink


class WebAccess:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_link(self, token_hash: str, staff_id: int, expires_at: datetime) -> None:
        self._session.add(WebSignInLink(token_hash=token_hash, staff_id=staff_id, expires_at=expires_at))
        await self._session.flush()

    async def use_link(self, token_hash: str, now: datetime) -> int | None:
        """Mark the link used, once: the staff id when it was unused and unexpired, else None."""
        result = await self._session.execute(
            update(WebSignInLink)
            .where(
                WebSignInLink.token_hash == token_hash,
                WebSignInLink.used_at.is_(None),
                WebSignInLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(WebSignInLink.staff_id)
        )
        staff_id = result.scalar_one_or_none()
        return None if staff_id is None else int(staff_id)

    async def add_session(self, token_hash: str, staff_id: int, csrf_token: str, expires_at: datetime) -> None:
        self._session.add(
            WebSession(token_hash=token_hash, staff_id=staff_id, csrf_token=csrf_token, expires_at=expires_at)
        )
        await self._session.flush()

    async def session(self, token_hash: str, now: datetime) -> tuple[WebSession, StaffMember] | None:
        """The unexpired session and its staff member (a removed member has no session left)."""
        query = (
            select(WebSession, StaffMember)
            .join(StaffMember, StaffMember.id == WebSession.staff_id)
            .where(WebSession.token_hash == token_hash, WebSession.expires_at > now)
        )
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def end_session(self, token_hash: str) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    async def end_sessions_of(self, staff_id: int) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.staff_id == staff_id))

    async def forget_expired(self, now: datetime) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        await self._session.execute(delete(WebSignInLink).where(WebSignInLink.expires_at <= now))
