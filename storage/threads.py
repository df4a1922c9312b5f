"""Conversations between moderators and citizens, and the group messages replies refer to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupMessageLink, ThreadMessage


class ThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: ThreadMessage) -> ThreadMessage:
        self._session.add(message)
        return message



class GroupLinks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, link: GroupMessageLink) -> None:
        if await self._session.get(GroupMessageLink, (link.chat_id, link.message_id)) is None:
            self._session.add(link)
            await self._session.flush()

    async def find(self, chat_id: int, message_id: int) -> GroupMessageLink | None:
        return await self._session.get(GroupMessageLink, (chat_id, message_id))

    async def card_of(self, proposal_id: int) -> GroupMessageLink | None:
        query = (
            select(GroupMessageLink)
            .where(GroupMessageLink.proposal_id == proposal_id)
            .order_by(GroupMessageLink.created_at)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()
