"""Repositories: queries by intent. They flush when an id is needed, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import AlreadyRecorded
from storage.models import (
    Conversation,
    Counter,
    OutboxMessage,
    Participant,
    ProcessedUpdate,
    Proposal,
    StatusChange,
    ThreadMessage,
)


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, external_id: str) -> Participant | None:
        query = select(Participant).where(
            Participant.channel == channel, Participant.external_id == external_id
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, participant: Participant) -> Participant:
        self._session.add(participant)
        await self._session.flush()
        return participant


    async def erase(self, participant_id: int, channel: str, chat_id: int) -> None:
        """Delete a person: their participant row (the database cascades to the conversation and unlinks
        proposals and thread messages), their /ask questions and every message still owed to the chat."""
        await self._session.flush()  # what was added before (an audit entry) is written first
        await self._session.execute(delete(ThreadMessage).where(
            ThreadMessage.participant_id == participant_id, ThreadMessage.proposal_id.is_(None)))
        await self._session.execute(delete(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id))
        await self._session.execute(delete(Participant).where(Participant.id == participant_id))
        self._session.expunge_all()  # the conversation row is gone: nothing of it may be written back


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, chat_id: int) -> Conversation | None:
        query = select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, conversation: Conversation) -> Conversation:
        self._session.add(conversation)
        await self._session.flush()
        return conversation

    async def of_participant(self, participant_id: int) -> Conversation | None:
        query = select(Conversation).where(Conversation.participant_id == participant_id).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, proposal: Proposal, *, actor: str) -> Proposal:
        self._session.add(proposal)
        await self._session.flush()
        self._session.add(StatusChange(proposal_id=proposal.id, status=proposal.status, actor=actor))
        return proposal

    async def of_participant(self, participant_id: int, limit: int = 20) -> Sequence[Proposal]:
        query = (
            select(Proposal)
            .where(Proposal.participant_id == participant_id)
            .order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def count(self) -> int:
        return int((await self._session.execute(select(func.count(Proposal.id)))).scalar_one())

    async def get(self, proposal_id: int) -> Proposal | None:
        return await self._session.get(Proposal, proposal_id)

    async def by_codes(self, codes: list[str]) -> dict[str, Proposal]:
        found: dict[str, Proposal] = {}
        for start in range(0, len(codes), 500):
            query = select(Proposal).where(Proposal.code.in_(codes[start : start + 500]))
            found.update({p.code: p for p in (await self._session.execute(query)).scalars()})
        return found

    def record_status(self, proposal: Proposal, reason: str | None, actor: str) -> None:
        self._session.add(StatusChange(proposal_id=proposal.id, status=proposal.status, reason=reason, actor=actor))




class UpdateLog:
    """The ids of updates already processed (at-most-once processing)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, channel: str, update_id: int) -> bool:
        found = await self._session.get(ProcessedUpdate, (channel, update_id))
        return found is not None

    async def record(self, channel: str, update_id: int) -> None:
        self._session.add(ProcessedUpdate(channel=channel, update_id=update_id))
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise AlreadyRecorded(update_id) from error

    async def forget_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class Outbox:
    """Messages owed to people. A row is deleted once the channel accepted it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, channel: str, chat_id: int, payload: str) -> OutboxMessage:
        message = OutboxMessage(channel=channel, chat_id=chat_id, payload=payload)
        self._session.add(message)
        await self._session.flush()
        return message

    async def due(self, channel: str, now: datetime, limit: int = 100) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.status == "pending",
                OutboxMessage.due_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, message_id)

    async def claim(self, message_ids: Sequence[int], now: datetime, until: datetime) -> dict[int, OutboxMessage]:
        """Take pending messages for sending, except those another sender holds; returns what is ours."""
        claimed: dict[int, OutboxMessage] = {}
        for start in range(0, len(message_ids), 500):
            batch = list(message_ids[start : start + 500])
            result = await self._session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(batch),
                    OutboxMessage.status == "pending",
                    (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
                )
                .values(claimed_until=until)
                .returning(OutboxMessage.id)
            )
            ours = list(result.scalars())
            if ours:
                rows = await self._session.execute(
                    select(OutboxMessage).where(OutboxMessage.id.in_(ours)).execution_options(populate_existing=True))
                claimed.update({row.id: row for row in rows.scalars()})
        return claimed

    async def delivered(self, message_id: int) -> None:
        await self._session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))

    async def retry_later(self, message_id: int, due_at: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, due_at=due_at, last_error=error[:500], claimed_until=None)
        )

    async def give_up(self, message_id: int, status: str, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=status, attempts=OutboxMessage.attempts + 1, last_error=error[:500], claimed_until=None)
        )

    async def release(self, message_ids: Sequence[int]) -> None:
        """Give back claims that were not used (the messages wait behind one that failed)."""
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(list(message_ids))).values(claimed_until=None))

    async def release_claims(self) -> None:
        """Forget every claim: only for a single sending process, at its start (a crash left them)."""
        await self._session.execute(update(OutboxMessage).values(claimed_until=None))

    async def listing(self, statuses: tuple[str, ...], limit: int = 50) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage).where(OutboxMessage.status.in_(statuses)).order_by(OutboxMessage.id).limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def counts(self) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {status: int(n) for status, n in (await self._session.execute(query)).all()}


class Counters:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next(self, name: str) -> int:
        """Atomically increment and return the counter (created at 1 if missing)."""
        value = await self._increment(name)
        if value is not None:
            return value
        try:
            async with self._session.begin_nested():  # another worker may create it at the same moment
                self._session.add(Counter(name=name, value=1))
            return 1
        except IntegrityError:
            value = await self._increment(name)
            assert value is not None
            return value

    async def _increment(self, name: str) -> int | None:
        result = await self._session.execute(
            update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
        )
        value = result.scalar_one_or_none()
        return None if value is None else int(value)
