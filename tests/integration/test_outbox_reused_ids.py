"""SQLite gives a deleted row's id to the next row: a reply queued while the drainer reads the outbox can take
the id of a message that was just sent. The drainer must not keep such a reply claimed (nobody would send it
until the claim lapsed, two minutes later): found when replies began to be sent outside the poll batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox.delivery import Delivery
from handlers.messages import Address, Outgoing
from storage.database import Database
from storage.models import OutboxMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import RecordingSender, fast_pacer

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
CHAT = Address("telegram", "1001")


async def owe(database: Database, text: str, due_at: datetime) -> int:
    async with UnitOfWork(database) as uow:
        row = await uow.outbox.put("telegram", CHAT.chat_id, Outgoing(to=CHAT, text=text).to_json())
        row.due_at = due_at
        await uow.commit()
        return row.id


async def test_a_reply_that_takes_a_sent_messages_id_is_sent_when_due(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [START]
    channel = RecordingSender()
    drainer = Delivery(UnitOfWorkFactory(database), channel, "telegram", clock=lambda: now[0], pacer=fast_pacer())
    first = await owe(database, "first reply", START)
    claim = drainer.claim

    async def sent_and_replaced_before_the_claim(ids: list[int]) -> dict[int, OutboxMessage]:
        # between the drainer's reading and its claim, the first reply went out through its own chain and the
        # person's next update queued a reply, due a moment later, which took the same id
        async with UnitOfWork(database) as uow:
            await uow.outbox.delivered(first)
            await uow.commit()
        assert await owe(database, "second reply", START + timedelta(seconds=1)) == first
        return await claim(ids)

    monkeypatch.setattr(drainer, "claim", sent_and_replaced_before_the_claim)
    await drainer.drain_once()
    assert channel.sent == [], "not due yet"
    monkeypatch.setattr(drainer, "claim", claim)

    now[0] = START + timedelta(seconds=2)
    await drainer.drain_once()
    assert [message.text for message in channel.sent] == ["second reply"]
