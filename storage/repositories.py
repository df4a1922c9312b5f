"""Repositories: queries by intent. They flush when an id is needed, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, delete, func, insert, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storage.database import Prepared
from storage.errors import AlreadyRecorded, Conflict
from storage.models import (
    BULK,
    CommitmentNotice,
    Conversation,
    Counter,
    FacilitatorChat,
    GroupMessageLink,
    OutboxMessage,
    Participant,
    ProcessedUpdate,
    Proposal,
    StatusChange,
    Support,
    ThreadMessage,
)
from storage.types import utcnow
from storage.workshops import FacilitatorChats

OUTBOX = cast(Table, OutboxMessage.__table__)
PROCESSED = cast(Table, ProcessedUpdate.__table__)

# Statements of every update, built once: building one costs more than running it (SQLAlchemy's cache then
# finds its compiled form by the statement's key). Core where no object is needed, so no ORM loading either.
CONVERSATION_OF_CHAT = select(Conversation).where(
    Conversation.channel == bindparam("channel"), Conversation.chat_id == bindparam("chat_id")
)
FACILITATING = (
    select(FacilitatorChat.id)
    .where(FacilitatorChat.channel == bindparam("channel"), FacilitatorChat.chat_id == bindparam("chat_id"))
    .exists()
)
CONVERSATION_AND_FACILITATING = CONVERSATION_OF_CHAT.add_columns(FACILITATING)
CONVERSATIONS = cast(Table, Conversation.__table__)
PARTICIPANTS = cast(Table, Participant.__table__)
CONVERSATION_ROW = Prepared(
    select(*CONVERSATIONS.columns, *PARTICIPANTS.columns, FACILITATING)
    .join_from(CONVERSATIONS, PARTICIPANTS, CONVERSATIONS.c.participant_id == PARTICIPANTS.c.id)
    .where(CONVERSATIONS.c.channel == bindparam("channel"), CONVERSATIONS.c.chat_id == bindparam("chat_id"))
)
"""``CONVERSATION_AND_FACILITATING`` as one row of columns, for ``ConversationRepository.of_update``."""
SAVE_CONVERSATION = Prepared(
    update(CONVERSATIONS).where(
        CONVERSATIONS.c.id == bindparam("saved_id"), CONVERSATIONS.c.version == bindparam("saved_version")
    )
)
"""Its SET clause is made of the columns given with it."""
CONVERSATION_COLUMNS = tuple(column.key for column in CONVERSATIONS.columns if column.key not in ("id", "version"))
HELD = select(OUTBOX).where(
    OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
    OUTBOX.c.status == "pending",
    OUTBOX.c.claimed_until == bindparam("until"),
)
DELIVERED = Prepared(delete(OUTBOX).where(OUTBOX.c.id == bindparam("message_id")))
DELIVERED_ALONE = str(DELIVERED.statement.compile(dialect=sqlite_dialect()))
"""``DELIVERED`` as SQLite's driver takes it, for ``Database.alone``."""
QUEUE = insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)
QUEUE_ONE = Prepared(insert(OUTBOX).returning(OUTBOX.c.id))
CLAIMS: dict[str, Prepared] = {
    dialect: Prepared(recording(PROCESSED).on_conflict_do_nothing().returning(PROCESSED.c.event_id))
    for dialect, recording in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
"""Recording an event id unless it is there, per dialect."""


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, external_id: str) -> Participant | None:
        query = select(Participant).where(Participant.channel == channel, Participant.external_id == external_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, participant: Participant) -> Participant:
        self._session.add(participant)
        await self._session.flush()
        return participant

    async def erase(self, participant_id: int, channel: str, chat_id: str) -> None:
        """Delete everything that identifies a person, table by table; their proposals stay, anonymised.

        * proposals: unlinked, without pseudonym or profile answers (zone, sector, age range);
        * thread messages: what they wrote (answers, /ask questions) and the team's replies to their
          questions are deleted; the team's questions and reasoned answers about a proposal stay, unlinked;
        * outbox: every message still owed to their chat; message links: every message sent to their chat
          and every link naming them;
        * participant and conversation rows, and where their chat stood in facilitator mode (a staff member
          who is also a citizen);
        * the proposals they support (the support is withdrawn) and the record of what they were told
          about commitments.
        Audit entries and processed event ids never hold a citizen's identity (see ``handlers/actors.py``)."""
        session = self._session
        await session.flush()  # what was added before (an audit entry) is written first
        await session.execute(
            update(Proposal)
            .where(Proposal.participant_id == participant_id)
            .values(participant_id=None, participant_pseudonym=None, zone=None, sector=None, age_range=None)
        )
        await session.execute(
            delete(ThreadMessage).where(
                ThreadMessage.participant_id == participant_id,
                ThreadMessage.direction.in_(("answer", "ask", "reply")),
            )
        )
        await session.execute(
            update(ThreadMessage).where(ThreadMessage.participant_id == participant_id).values(participant_id=None)
        )
        await session.execute(
            delete(OutboxMessage).where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id)
        )
        await session.execute(
            delete(GroupMessageLink).where(
                ((GroupMessageLink.channel == channel) & (GroupMessageLink.chat_id == chat_id))
                | (GroupMessageLink.participant_id == participant_id)
            )
        )
        await session.execute(
            delete(FacilitatorChat).where(FacilitatorChat.channel == channel, FacilitatorChat.chat_id == chat_id)
        )
        await session.execute(delete(Support).where(Support.participant_id == participant_id))
        await session.execute(
            delete(CommitmentNotice).where(CommitmentNotice.recipient == f"participant:{participant_id}")
        )
        await session.execute(delete(Conversation).where(Conversation.participant_id == participant_id))
        await session.execute(delete(Participant).where(Participant.id == participant_id))
        session.expunge_all()  # the conversation row is gone: nothing of it may be written back


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, channel: str, chat_id: str) -> Conversation | None:
        parameters = {"channel": channel, "chat_id": chat_id}
        return (await self._session.execute(CONVERSATION_OF_CHAT, parameters)).scalar_one_or_none()

    async def of_update(self, channel: str, chat_id: str) -> tuple[Conversation | None, bool | None]:
        """The chat's conversation (its person joined) and whether the chat has a facilitator's chat, in one
        query; None for the latter when the chat has no conversation (then it is not known). On SQLite, in a
        session that holds nothing yet (an update's), the row is read as columns and its two objects made from it
        and added as loaded, not through the ORM's loading (a third of the engine's statement time)."""
        parameters = {"channel": channel, "chat_id": chat_id}
        if self._session.get_bind().dialect.name == "sqlite" and not self._session.identity_map:
            return self._attached((await CONVERSATION_ROW.run(self._session, parameters)).rows)
        row = (await self._session.execute(CONVERSATION_AND_FACILITATING, parameters)).first()
        return (None, None) if row is None else (row[0], bool(row[1]))

    def _attached(self, rows: list[tuple[Any, ...]]) -> tuple[Conversation | None, bool | None]:
        """The conversation and its person from ``CONVERSATION_ROW``'s row, in the session as if loaded."""
        if not rows:
            return None, None
        row, split = rows[0], len(CONVERSATIONS.columns)
        conversation = Conversation(**dict(zip(CONVERSATIONS.columns.keys(), row[:split], strict=True)))
        participant = Participant(**dict(zip(PARTICIPANTS.columns.keys(), row[split:-1], strict=True)))
        conversation.participant = participant
        make_transient_to_detached(participant)
        make_transient_to_detached(conversation)
        self._session.add(conversation)  # its person with it (save-update cascade)
        return conversation, bool(row[-1])

    async def save(self, conversation: Conversation) -> None:
        """Write what changed in ``conversation`` now, as the ORM's flush would (the version column checked and
        raised, ``updated_at`` set), in one Core statement: the ORM's flush of the one object an update
        changes cost more than the rest of its statements. Raises ``Conflict`` when another writer changed the
        row since it was read. A conversation no longer in this session (erased), or to be deleted, is left alone
        (to the ORM). The session forgets it afterwards: call this once the update's handlers are done with it."""
        state = inspect(conversation)
        if state.session is not self._session.sync_session or not state.persistent:
            return
        if conversation in self._session.deleted:
            return
        changed = {name: getattr(conversation, name) for name in _changed(state, CONVERSATION_COLUMNS)}
        if not changed:
            return
        changed.update(updated_at=utcnow(), version=conversation.version + 1)
        where = {"saved_id": conversation.id, "saved_version": conversation.version}
        if (await SAVE_CONVERSATION.run(self._session, {**changed, **where})).rowcount != 1:
            raise Conflict(f"conversation {conversation.id} changed since it was read")
        for name, value in changed.items():
            set_committed_value(conversation, name, value)  # what it holds is what the row holds
        self._session.expunge(conversation)  # written: the flush has nothing of it to look at

    async def add(self, conversation: Conversation) -> Conversation:
        self._session.add(conversation)
        await self._session.flush()
        return conversation

    async def of_participant(self, participant_id: int) -> Conversation | None:
        query = select(Conversation).where(Conversation.participant_id == participant_id).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def of_participants(self, participant_ids: Sequence[int]) -> dict[int, Conversation]:
        """The conversation of each of these participants that has one, in one query per 500."""
        found: dict[int, Conversation] = {}
        for start in range(0, len(participant_ids), 500):
            query = select(Conversation).where(Conversation.participant_id.in_(participant_ids[start : start + 500]))
            found.update({c.participant_id: c for c in (await self._session.execute(query)).scalars()})
        return found

    async def get(self, conversation_id: int) -> Conversation | None:
        return await self._session.get(Conversation, conversation_id)

    async def inactive_drafts(
        self, seen_before: datetime, skip_steps: Sequence[str], *, seen_after: datetime, limit: int = 500
    ) -> list[int]:
        """Chats last heard from between ``seen_after`` and ``seen_before``, in a step not skipped, not
        reminded yet, whose person did not turn reminders off: candidates for a reminder, oldest first."""
        query = (
            select(Conversation.id)
            .join(Participant, Participant.id == Conversation.participant_id)
            .where(
                Conversation.last_seen_at <= seen_before,
                Conversation.last_seen_at >= seen_after,
                Conversation.reminded_at.is_(None),
                Conversation.step.not_in(list(skip_steps)),
                Participant.reminders.is_(True),
            )
            .order_by(Conversation.last_seen_at)
            .limit(limit)
        )
        return list((await self._session.execute(query)).scalars())


def _changed(state: InstanceState[Any], names: Sequence[str]) -> list[str]:
    """Which of ``names`` hold another value than the one loaded (those set to the same value are not)."""
    touched = set(names) - state.unmodified_intersection(names)
    return [name for name in names if name in touched and state.attrs[name].history.has_changes()]


class FacilitatorChatsOfUpdate(FacilitatorChats):
    """``FacilitatorChats`` told that the update's chat has none (read with its conversation,
    ``ConversationRepository.of_update``): the usual update asks no query of its own for it."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._none: set[tuple[str, str]] = set()

    def none_for(self, channel: str, chat_id: str) -> None:
        """This chat has no facilitator's chat (until one is added in this unit of work)."""
        self._none.add((channel, chat_id))

    async def find(self, channel: str, chat_id: str) -> FacilitatorChat | None:
        if (channel, chat_id) in self._none:
            return None
        return await super().find(channel, chat_id)

    async def add(self, chat: FacilitatorChat) -> FacilitatorChat:
        self._none.discard((chat.channel, chat.chat_id))
        return await super().add(chat)


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

    async def by_ids(self, ids: Sequence[int]) -> dict[int, Proposal]:
        query = select(Proposal).where(Proposal.id.in_(list(ids)))
        return {p.id: p for p in (await self._session.execute(query)).scalars()}

    async def by_codes(self, codes: list[str]) -> dict[str, Proposal]:
        found: dict[str, Proposal] = {}
        for start in range(0, len(codes), 500):
            query = select(Proposal).where(Proposal.code.in_(codes[start : start + 500]))
            found.update({p.code: p for p in (await self._session.execute(query)).scalars()})
        return found

    async def by_code(self, code: str) -> Proposal | None:
        query = select(Proposal).where(Proposal.code == code)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def history(self, proposal_id: int) -> Sequence[StatusChange]:
        """Every status the proposal had, oldest first."""
        query = select(StatusChange).where(StatusChange.proposal_id == proposal_id).order_by(StatusChange.id)
        return (await self._session.execute(query)).scalars().all()

    def record_status(self, proposal: Proposal, reason: str | None, actor: str) -> None:
        self._session.add(StatusChange(proposal_id=proposal.id, status=proposal.status, reason=reason, actor=actor))


class UpdateLog:
    """The ids of updates already processed (at-most-once processing)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, channel: str, event_id: str) -> bool:
        """Record the event id unless it is recorded already (here before, or by another worker now): True when
        this transaction recorded it. One statement, where ``seen`` and ``record`` take two and a flush; on
        PostgreSQL a worker recording the same id meanwhile is waited for, then this one gets False."""
        statement = CLAIMS[self._session.get_bind().dialect.name]
        row = {"channel": channel, "event_id": event_id, "processed_at": utcnow()}
        return bool((await statement.run(self._session, row)).rows)

    async def seen(self, channel: str, event_id: str) -> bool:
        found = await self._session.get(ProcessedUpdate, (channel, event_id))
        return found is not None

    async def record(self, channel: str, event_id: str) -> None:
        self._session.add(ProcessedUpdate(channel=channel, event_id=event_id))
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise AlreadyRecorded(event_id) from error

    async def forget_before(self, moment: datetime) -> int:
        result = await self._session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < moment))
        return int(getattr(result, "rowcount", 0) or 0)


class Outbox:
    """Messages owed to people. A row is deleted once the channel accepted it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def put_later(self, channel: str, chat_id: str, payload: str, priority: int = BULK) -> None:
        """Queue a message without waiting for its id (bulk work: written at the next flush)."""
        self._session.add(OutboxMessage(channel=channel, chat_id=chat_id, payload=payload, priority=priority))

    async def put_all(
        self,
        messages: Sequence[tuple[str, str, str]],
        priority: int = BULK,
        claimed_until: Sequence[datetime | None] = (),
    ) -> list[int]:
        """Queue (channel, chat id, payload) messages in one statement; their ids, in the order given. Core, not
        the ORM: an update's replies need their ids only, and no object of them stays in the session.
        ``claimed_until``, per message: already claimed by the sender that will send it (none by default)."""
        if not messages:
            return []
        claims = list(claimed_until) or [None] * len(messages)
        rows = [
            {"channel": channel, "chat_id": chat_id, "payload": payload, "priority": priority, "claimed_until": until}
            for (channel, chat_id, payload), until in zip(messages, claims, strict=True)
        ]
        if len(rows) == 1:  # an update's usual one reply: with the defaults given, a statement prepared once
            now = utcnow()
            row = {**rows[0], "status": "pending", "attempts": 0, "due_at": now, "created_at": now}
            return [int(found[0]) for found in (await QUEUE_ONE.run(self._session, row)).rows]
        return [int(row[0]) for row in await self._session.execute(QUEUE, rows)]

    async def put(self, channel: str, chat_id: str, payload: str, priority: int = BULK) -> OutboxMessage:
        message = OutboxMessage(channel=channel, chat_id=chat_id, payload=payload, priority=priority)
        self._session.add(message)
        await self._session.flush()
        return message

    async def due(self, channel: str, now: datetime, limit: int = 100) -> Sequence[OutboxMessage]:
        """Pending messages of ``channel`` due by ``now``, whole chats at a time: first the chats that hold a
        reply (``REPLY``), then by how long they have waited; each chat's messages in the order they were
        queued, so that a reply goes before notices to others but never overtakes its own chat's."""
        pending = (
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
        )
        chats = (
            select(
                OutboxMessage.chat_id,
                func.min(OutboxMessage.priority).label("first_priority"),
                func.min(OutboxMessage.due_at).label("first_due"),
            )
            .where(*pending)
            .group_by(OutboxMessage.chat_id)
            .order_by("first_priority", "first_due")
            .limit(limit)
            .subquery()
        )
        query = (
            select(OutboxMessage)
            .join(chats, OutboxMessage.chat_id == chats.c.chat_id)
            .where(*pending)
            .order_by(chats.c.first_priority, chats.c.first_due, chats.c.chat_id, OutboxMessage.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def of_chat(self, channel: str, chat_id: str, limit: int = 50) -> Sequence[OutboxMessage]:
        """A chat's pending messages in the order they were queued, due or not (a later one waits behind)."""
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending"
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def claim(
        self, message_ids: Sequence[int], now: datetime, until: datetime, channel: str | None = None
    ) -> dict[int, OutboxMessage]:
        """Take pending messages (of ``channel``) for sending, except those another sender holds;
        returns what is ours."""
        claimed: dict[int, OutboxMessage] = {}
        of_channel = [OutboxMessage.channel == channel] if channel is not None else []
        for start in range(0, len(message_ids), 500):
            batch = list(message_ids[start : start + 500])
            result = await self._session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(batch),
                    OutboxMessage.status == "pending",
                    (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
                    *of_channel,
                )
                .values(claimed_until=until)
                .returning(OutboxMessage)  # the claimed rows themselves: no second query for them
                .execution_options(populate_existing=True, synchronize_session=False)
            )
            claimed.update({row.id: row for row in result.scalars()})
        return claimed

    async def renew(self, message_id: int, held_until: datetime, until: datetime) -> bool:
        """Extend our claim, if it is still the one we hold (nobody took the message after it lapsed)."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                OutboxMessage.claimed_until == held_until,
            )
            .values(claimed_until=until)
        )
        return bool(getattr(result, "rowcount", 0))

    async def held(self, message_ids: Sequence[int], until: datetime) -> dict[int, OutboxMessage]:
        """The messages among ``message_ids`` that are still pending and claimed until ``until`` (queued already
        claimed by their sender): read, nothing written. Read with Core, as objects of no session (the sender
        only reads them), so that no reply pays for the ORM's loading."""
        rows = await self._session.execute(HELD, {"ids": list(message_ids), "until": until})
        return {row.id: OutboxMessage(**row._mapping) for row in rows}

    async def of_other_channels(self, message_ids: Sequence[int], channel: str) -> set[int]:
        """Which of these messages go through another channel than ``channel``."""
        if not message_ids:
            return set()
        query = select(OutboxMessage.id).where(
            OutboxMessage.id.in_(list(message_ids)), OutboxMessage.channel != channel
        )
        return set((await self._session.execute(query)).scalars())

    async def delivered(self, message_id: int) -> None:
        await DELIVERED.run(self._session, {"message_id": message_id})

    async def sent(self, message_id: int, channel_message_id: str | None, at: datetime) -> None:
        """Keep a message the channel accepted, for its receipts: ``pending`` becomes ``sent`` (a receipt
        that arrived before this, or a refusal that made it wait, is kept)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status=case((OutboxMessage.status == "pending", "sent"), else_=OutboxMessage.status),
                message_id=channel_message_id,
                sent_at=at,
                claimed_until=None,
            )
        )

    async def receipted(self, channel: str, outbox_id: int | None, channel_message_id: str) -> OutboxMessage | None:
        """The message a receipt is about: by our id when the channel echoes it, else by the channel's id."""
        if outbox_id is not None:
            row = await self._session.get(OutboxMessage, outbox_id)
            return row if row is not None and row.channel == channel else None
        query = select(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.message_id == channel_message_id
        )
        return (await self._session.execute(query.limit(1))).scalar_one_or_none()

    async def advance(self, message_id: int, status: str, *, blank: bool = False) -> None:
        """Record a receipt (``sent``, ``delivered``, ``read``); ``blank`` forgets the text and the recipient."""
        values: dict[str, object] = {"status": status, "claimed_until": None}
        if blank:
            values.update(payload="", chat_id="")
        await self._session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))

    async def wait_for_person(self, message_id: int, reason: str) -> None:
        """The channel may not deliver it now: keep it until the person writes again."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="waiting", last_error=reason[:500], claimed_until=None)
        )

    async def has_waiting(self, channel: str, chat_id: str) -> bool:
        query = select(OutboxMessage.id).where(
            OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.status == "waiting"
        )
        return (await self._session.execute(query.limit(1))).first() is not None

    async def release_waiting(self, channel: str, chat_id: str, now: datetime) -> list[int]:
        """The person wrote again: what waited for them is due now. Returns those ids, in order."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.status == "waiting"
            )
            .values(status="pending", due_at=now, message_id=None, claimed_until=None)
            .returning(OutboxMessage.id)
        )
        return sorted(result.scalars())

    async def forget_receipts_before(self, moment: datetime) -> int:
        """Delete what was sent before ``moment`` (its receipts have been counted long enough)."""
        result = await self._session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(("sent", "delivered", "read")), OutboxMessage.sent_at < moment
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def retry_later(self, message_id: int, due_at: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status="pending",
                attempts=OutboxMessage.attempts + 1,
                due_at=due_at,
                last_error=error[:500],
                claimed_until=None,
            )
        )

    async def give_up(self, message_id: int, status: str, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=status, attempts=OutboxMessage.attempts + 1, last_error=error[:500], claimed_until=None)
        )

    async def fold(self, into: tuple[int, datetime | None], payload: str, others: Sequence[int]) -> bool:
        """Put ``payload`` (a digest) in the claimed message ``into`` and delete ``others`` (the messages it
        stands for, claimed with it). False, and the caller rolls back, when any of these claims is no longer
        ours (a claim that lapsed may be another sender's by now)."""
        message_id, held_until = into
        ours = OutboxMessage.claimed_until == held_until
        changed = await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, ours).values(payload=payload)
        )
        gone = await self._session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(list(others)), ours))
        return getattr(changed, "rowcount", 0) == 1 and getattr(gone, "rowcount", 0) == len(others)

    async def release(self, claims: Sequence[tuple[int, datetime | None]]) -> None:
        """Give back claims that were not used (the messages wait behind one that failed) — each only if it
        is still ours: a claim that lapsed may be another sender's by now."""
        for message_id, held_until in claims:
            await self._session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.claimed_until == held_until)
                .values(claimed_until=None)
            )

    async def release_claims(self, channel: str) -> None:
        """Forget every claim on ``channel``: only for its single sending process, at its start (a crash
        left them; another channel's sender of the same process may already be sending)."""
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.channel == channel).values(claimed_until=None)
        )

    async def listing(self, statuses: tuple[str, ...], limit: int = 50) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.status.in_(statuses)).order_by(OutboxMessage.id).limit(limit)
        return (await self._session.execute(query)).scalars().all()

    async def troubled(self, limit: int = 50) -> Sequence[OutboxMessage]:
        """Messages that wait for their person, failed or undeliverable ones, and pending ones being retried,
        oldest first."""
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_(("waiting", "failed", "undeliverable"))
                | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts > 0))
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def counts(self) -> dict[str, int]:
        """Messages per status over every channel, and ``retrying`` (see ``counts_by_channel``)."""
        totals: dict[str, int] = {}
        for held in (await self.counts_by_channel()).values():
            for status, n in held.items():
                totals[status] = totals.get(status, 0) + n
        return {status: n for status, n in totals.items() if n}

    async def counts_by_channel(self) -> dict[str, dict[str, int]]:
        """Messages per channel and status, and ``retrying``: pending ones that already failed for a passing
        reason (counted among the pending too)."""
        retrying = func.sum(case((OutboxMessage.attempts > 0, 1), else_=0))
        query = select(OutboxMessage.channel, OutboxMessage.status, func.count(), retrying).group_by(
            OutboxMessage.channel, OutboxMessage.status
        )
        counts: dict[str, dict[str, int]] = {}
        for channel, status, n, retried in (await self._session.execute(query)).all():
            counts.setdefault(channel, {})[status] = int(n)
            if status == "pending":
                counts[channel]["retrying"] = int(retried or 0)
        return counts


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
