"""Conversations between moderators and citizens, and the group messages replies refer to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import GroupMessageLink, Participant, ThreadMessage


class ThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: ThreadMessage) -> ThreadMessage:
        self._session.add(message)
        return message

    async def get(self, message_id: int) -> ThreadMessage | None:
        return await self._session.get(ThreadMessage, message_id)

    async def of_proposal(self, proposal_id: int) -> Sequence[ThreadMessage]:
        """A proposal's whole thread, oldest first: questions, answers, reasoned answers."""
        query = select(ThreadMessage).where(ThreadMessage.proposal_id == proposal_id).order_by(ThreadMessage.id)
        return (await self._session.execute(query)).scalars().all()

    async def of_participant(self, participant_id: int) -> Sequence[ThreadMessage]:
        """A citizen's /ask questions and the team's replies, oldest first."""
        query = (
            select(ThreadMessage)
            .where(ThreadMessage.participant_id == participant_id, ThreadMessage.proposal_id.is_(None))
            .order_by(ThreadMessage.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def open_questions(self, limit: int = 100) -> Sequence[tuple[ThreadMessage, Participant]]:
        """/ask questions no reply came after, oldest first, with the person who asked."""
        reply = aliased(ThreadMessage)
        answered = exists().where(
            and_(
                reply.participant_id == ThreadMessage.participant_id,
                reply.proposal_id.is_(None),
                reply.direction == "reply",
                reply.id > ThreadMessage.id,
            )
        )
        query = (
            select(ThreadMessage, Participant)
            .join(Participant, Participant.id == ThreadMessage.participant_id)
            .where(ThreadMessage.direction == "ask", ThreadMessage.proposal_id.is_(None), ~answered)
            .order_by(ThreadMessage.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self._session.execute(query)).all()]


class GroupLinks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, link: GroupMessageLink) -> None:
        if await self._session.get(GroupMessageLink, (link.channel, link.chat_id, link.message_id)) is None:
            self._session.add(link)
            await self._session.flush()

    async def find(self, channel: str, chat_id: str, message_id: str) -> GroupMessageLink | None:
        return await self._session.get(GroupMessageLink, (channel, chat_id, message_id))

    async def sent_for(self, channel: str, chat_id: str, purpose: str) -> GroupMessageLink | None:
        """The first message sent to the chat for ``purpose`` (``export:12``: an export's progress)."""
        query = (
            select(GroupMessageLink)
            .where(
                GroupMessageLink.channel == channel,
                GroupMessageLink.chat_id == chat_id,
                GroupMessageLink.purpose == purpose,
            )
            .order_by(GroupMessageLink.created_at)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def card_of(self, proposal_id: int) -> GroupMessageLink | None:
        query = (
            select(GroupMessageLink)
            .where(GroupMessageLink.proposal_id == proposal_id)
            .order_by(GroupMessageLink.created_at)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()
