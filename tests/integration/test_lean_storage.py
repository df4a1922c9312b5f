"""What the engine's leaner storage path must keep (issue 13, "A leaner engine"), on SQLite and PostgreSQL:
a conversation written by ``save`` is the ORM's write (version checked and raised, ``updated_at`` set,
nothing written twice), the facilitator chat read with the conversation still shows one added later in the
same unit of work, the replies read back for the sender are the rows as stored, and a unit of work used
twice makes its repositories on its new session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from storage.database import Database
from storage.errors import Conflict
from storage.models import REPLY, Conversation, FacilitatorChat, StaffMember
from storage.uow import UnitOfWork
from tests.integration.test_repositories import add_participant

LATER = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Statements:
    """The SQL statements a database runs while counted (BEGIN, COMMIT and ROLLBACK left out)."""

    def __init__(self, database: Database) -> None:
        self.seen: list[str] = []
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.seen.append(statement)

    def updates_of(self, table: str) -> list[str]:
        return [s for s in self.seen if s.lstrip().upper().startswith(f"UPDATE {table.upper()}")]


async def test_save_writes_what_changed_once_with_the_next_version(any_database: Database) -> None:
    await add_participant(any_database)
    statements = Statements(any_database)
    async with UnitOfWork(any_database) as uow:
        conversation, facilitating = await uow.conversations.of_update("telegram", "42")
        assert conversation is not None and facilitating is False
        assert conversation.participant.pseudonym == "P-42"  # the person comes with it
        version, updated = conversation.version, conversation.updated_at
        conversation.step = "axis"
        conversation.draft = {"axis": "mobility"}
        conversation.last_seen_at = LATER
        await uow.conversations.save(conversation)
        await uow.commit()
    assert len(statements.updates_of("conversations")) == 1  # the commit's flush had nothing left of it
    async with UnitOfWork(any_database) as uow:
        stored = await uow.conversations.find("telegram", "42")
    assert stored is not None
    assert (stored.step, stored.draft, stored.last_seen_at) == ("axis", {"axis": "mobility"}, LATER)
    assert stored.version == version + 1 and stored.updated_at >= updated


async def test_save_of_an_unchanged_conversation_writes_nothing(any_database: Database) -> None:
    await add_participant(any_database)
    statements = Statements(any_database)
    async with UnitOfWork(any_database) as uow:
        conversation = await uow.conversations.find("telegram", "42")
        assert conversation is not None
        conversation.step = conversation.step  # set to the value it has: not a change, as for the ORM
        await uow.conversations.save(conversation)
        await uow.commit()
    assert statements.updates_of("conversations") == []


async def test_save_raises_a_conflict_when_another_writer_came_first(any_database: Database) -> None:
    await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        read_before, _ = await uow.conversations.of_update("telegram", "42")
    assert read_before is not None
    async with UnitOfWork(any_database) as other_worker:
        await other_worker.session.execute(update(Conversation).values(step="axis", version=Conversation.version + 1))
        await other_worker.commit()
    async with UnitOfWork(any_database) as uow:
        uow.session.add(read_before)
        read_before.step = "pillar"
        with pytest.raises(Conflict):
            await uow.conversations.save(read_before)
    async with UnitOfWork(any_database) as check:
        conversation = await check.conversations.find("telegram", "42")
    assert conversation is not None and conversation.step == "axis"


async def test_save_leaves_an_erased_conversation_alone(any_database: Database) -> None:
    participant_id = await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        conversation = await uow.conversations.find("telegram", "42")
        assert conversation is not None
        conversation.step = "axis"
        await uow.participants.erase(participant_id, "telegram", "42")
        await uow.conversations.save(conversation)  # no longer in the session: nothing to write
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert await uow.conversations.find("telegram", "42") is None


async def test_a_facilitator_chat_added_after_the_conversation_was_read_is_found(any_database: Database) -> None:
    await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        _, facilitating = await uow.conversations.of_update("telegram", "42")
        assert facilitating is False
        uow.facilitator_chats.none_for("telegram", "42")
        assert await uow.facilitator_chats.find("telegram", "42") is None
        member = StaffMember(channel="telegram", external_id="42", role="admin", added_by="test")
        uow.session.add(member)
        await uow.session.flush()
        added = FacilitatorChat(channel="telegram", chat_id="42", staff_id=member.id, step="idle", language="es")
        await uow.facilitator_chats.add(added)
        assert await uow.facilitator_chats.find("telegram", "42") is added
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        _, facilitating = await uow.conversations.of_update("telegram", "42")
    assert facilitating is True


async def test_replies_read_back_for_their_sender_are_the_stored_rows(any_database: Database) -> None:
    until = LATER + timedelta(minutes=2)
    async with UnitOfWork(any_database) as uow:
        ids = await uow.outbox.put_all(
            [("telegram", "42", '{"text": "a"}'), ("telegram", "42", '{"text": "b"}')], REPLY, [until, None]
        )
        await uow.commit()
    async with UnitOfWork(any_database, read_only=True) as uow:
        held = await uow.outbox.held(ids, until)
    assert list(held) == ids[:1]  # the second was not queued claimed
    row = held[ids[0]]
    assert (row.channel, row.chat_id, row.payload, row.priority, row.claimed_until) == (
        "telegram",
        "42",
        '{"text": "a"}',
        REPLY,
        until,
    )
    assert (row.status, row.attempts) == ("pending", 0) and row.due_at.tzinfo is not None


async def test_a_unit_of_work_used_again_makes_its_repositories_on_its_new_session(any_database: Database) -> None:
    await add_participant(any_database)
    uow = UnitOfWork(any_database)
    async with uow:
        first = uow.conversations
        assert await first.find("telegram", "42") is not None
    async with uow:
        assert uow.conversations is not first
        assert await uow.conversations.find("telegram", "42") is not None
    with pytest.raises(AttributeError):
        _ = uow.not_a_repository


async def test_a_reply_queued_alone_is_stored_as_sqlalchemy_stores_it(any_database: Database) -> None:
    """One reply goes through a statement prepared once (on SQLite, run on the driver's cursor): its times are
    written as SQLAlchemy writes them, so comparing them in SQL still matches (a whole second included)."""
    until = LATER.replace(microsecond=0)
    async with UnitOfWork(any_database) as uow:
        ids = await uow.outbox.put_all([("telegram", "42", '{"text": "a"}')], REPLY, [until])
        await uow.commit()
    async with UnitOfWork(any_database, read_only=True) as uow:
        held = await uow.outbox.held(ids, until)
        rows = await uow.outbox.of_chat("telegram", "42")
    assert list(held) == ids
    assert [(row.status, row.attempts, row.claimed_until, row.priority) for row in rows] == [
        ("pending", 0, until, REPLY)
    ]
    assert rows[0].due_at.tzinfo is not None and rows[0].created_at == rows[0].due_at


async def test_the_update_log_records_an_event_once(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        assert await uow.updates.claim("telegram", "7001")
        assert not await uow.updates.claim("telegram", "7001")
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert await uow.updates.seen("telegram", "7001")
        assert not await uow.updates.claim("telegram", "7001")


async def test_save_leaves_a_conversation_to_be_deleted_to_the_orm(any_database: Database) -> None:
    await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        conversation = await uow.conversations.find("telegram", "42")
        assert conversation is not None
        conversation.step = "axis"
        await uow.session.delete(conversation)
        await uow.conversations.save(conversation)
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert await uow.conversations.find("telegram", "42") is None
