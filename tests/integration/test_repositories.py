"""Repositories and the unit of work on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.database import Database
from storage.errors import AlreadyRecorded, Conflict
from storage.models import Conversation, Participant, Proposal
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


async def add_participant(database: Database, external_id: str = "42") -> int:
    async with UnitOfWork(database) as uow:
        participant = await uow.participants.add(
            Participant(
                channel="telegram",
                external_id=external_id,
                pseudonym=f"P-{external_id}",
                language="es",
                consented_at=NOW,
                profile_done=False,
            )
        )
        await uow.conversations.add(
            Conversation(
                channel="telegram",
                chat_id=external_id,
                participant_id=participant.id,
                participant=participant,
                step="idle",
                draft={},
                language="es",
            )
        )
        await uow.commit()
        return participant.id


async def test_participant_and_conversation_round_trip(any_database: Database) -> None:
    await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        participant = await uow.participants.find("telegram", "42")
        conversation = await uow.conversations.find("telegram", "42")
    assert participant is not None and participant.consented_at == NOW
    assert conversation is not None and conversation.participant.pseudonym == "P-42"


async def test_without_commit_nothing_is_kept(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        await uow.participants.add(
            Participant(channel="telegram", external_id="7", pseudonym="P-7", language="es", consented_at=NOW)
        )
    async with UnitOfWork(any_database) as uow:
        assert await uow.participants.find("telegram", "7") is None


async def write_step(database: Database, conversation: Conversation, step: str) -> None:
    async with UnitOfWork(database) as uow:
        mine = await uow.session.merge(conversation, load=False)
        mine.step = step
        await uow.commit()


async def test_a_writer_holding_an_old_version_is_rejected(any_database: Database) -> None:
    """Two workers read the same conversation; the second to write loses and must retry."""
    await add_participant(any_database)
    async with UnitOfWork(any_database) as first_read:
        stale = await first_read.conversations.find("telegram", "42")
    assert stale is not None
    async with UnitOfWork(any_database) as other_worker:
        fresh = await other_worker.conversations.find("telegram", "42")
        assert fresh is not None
        fresh.step = "axis"
        await other_worker.commit()
    with pytest.raises(Conflict):  # the unit of work says so in its own words, whatever the driver raised
        await write_step(any_database, stale, "pillar")
    async with UnitOfWork(any_database) as check:
        conversation = await check.conversations.find("telegram", "42")
        assert conversation is not None and conversation.step == "axis"


async def test_an_update_id_is_recorded_once(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        await uow.updates.record("telegram", "1001")
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert await uow.updates.seen("telegram", "1001")
        assert not await uow.updates.seen("telegram", "1002")
        with pytest.raises(AlreadyRecorded):
            await uow.updates.record("telegram", "1001")


async def test_counters_hand_out_distinct_numbers_under_concurrency(any_database: Database) -> None:
    async def take() -> int:
        async with UnitOfWork(any_database) as uow:
            value = await uow.counters.next("code:test")
            await uow.commit()
            return value

    values = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(values) == list(range(1, 21))


async def test_outbox_keeps_order_and_forgets_what_was_sent(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        ids = [(await uow.outbox.put("telegram", "5", f'{{"n": {n}}}')).id for n in range(3)]
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        await uow.outbox.delivered(ids[0])
        await uow.outbox.retry_later(ids[1], NOW + timedelta(minutes=1), "timeout")
        await uow.outbox.give_up(ids[2], "undeliverable", "blocked")
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        due_now = await uow.outbox.due("telegram", NOW)
        due_later = await uow.outbox.due("telegram", NOW + timedelta(minutes=2))
        counts = await uow.outbox.counts()
    assert due_now == [] and [m.id for m in due_later] == [ids[1]]
    assert due_later[0].attempts == 1 and due_later[0].last_error == "timeout"
    assert counts == {"pending": 1, "retrying": 1, "undeliverable": 1}, "the pending one is being retried"


async def test_proposals_keep_their_history(any_database: Database) -> None:
    participant_id = await add_participant(any_database)
    async with UnitOfWork(any_database) as uow:
        await uow.proposals.add(
            Proposal(
                code="UIO-0001",
                consultation="quito-2024",
                participant_id=participant_id,
                participant_pseudonym="P-42",
                axis_id="1",
                pillar_id="integrity",
                problem="p",
                solution="s",
                contribution="c",
                language="es",
                channel="telegram",
                submitted_at=NOW,
            ),
            actor="citizen",
        )
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        [proposal] = await uow.proposals.of_participant(participant_id)
        assert proposal.submitted_at == NOW and proposal.attachments == []
        assert await uow.proposals.count() == 1
