"""Two senders drain one outbox (two workers): a message is sent only by the holder of a live claim,
even when sending takes longer than a claim lasts (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.outbox import delivery
from bot.outbox.delivery import Delivery
from handlers.messages import Address, Outgoing, Sent
from storage.database import Database, open_database
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import fast_pacer

CHATS = 12
PER_CHAT = 4


@dataclass
class SlowChannel:
    """A channel that takes its time with every message, shared by both workers."""

    seconds: float
    sent: list[str] = field(default_factory=list)

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        await asyncio.sleep(self.seconds)
        self.sent.append(message.text)
        return Sent(str(len(self.sent)))


async def owe(database: Database) -> None:
    async with UnitOfWork(database) as uow:
        for n in range(PER_CHAT):
            for chat in range(CHATS):
                message = Outgoing(to=Address("telegram", str(1000 + chat)), text=f"chat {chat} message {n}")
                await uow.outbox.put("telegram", message.to.chat_id, message.to_json())
        await uow.commit()


async def keep_draining(worker: Delivery, channel: SlowChannel) -> None:
    """A worker's drainer: round after round, as long as messages are owed."""
    while len(channel.sent) < CHATS * PER_CHAT:
        await worker.drain_once()
        await asyncio.sleep(0.05)


async def test_a_lapsing_claim_never_sends_a_message_twice(
    any_database: Database, any_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Claims short enough to lapse many times during the test, long enough that a busy machine's pauses
    # (a CI runner under load stalls the loop for a few hundred milliseconds) do not let one lapse unrenewed.
    monkeypatch.setattr(delivery, "CLAIM", timedelta(seconds=1.6))
    monkeypatch.setattr(delivery, "RENEW_BEFORE", timedelta(seconds=0.8))
    monkeypatch.setattr(delivery, "DRAIN_CONCURRENCY", 2)  # slow on purpose: sending outlasts the claims
    await owe(any_database)
    channel = SlowChannel(seconds=0.2)  # a worker's round (about 5 s) outlasts its claims
    other_process = open_database(any_database_url)
    try:
        workers = [
            Delivery(UnitOfWorkFactory(db), channel, "telegram", pacer=fast_pacer())
            for db in (any_database, other_process)
        ]
        await asyncio.wait_for(asyncio.gather(*(keep_draining(worker, channel) for worker in workers)), 30)
    finally:
        await other_process.dispose()
    twice = [text for text, times in Counter(channel.sent).items() if times > 1]
    assert twice == [], "sent twice"
    assert len(channel.sent) == CHATS * PER_CHAT, "and nothing lost"
    for chat in range(CHATS):
        mine = [text for text in channel.sent if text.startswith(f"chat {chat} ")]
        assert mine == [f"chat {chat} message {n}" for n in range(PER_CHAT)], "in order within each chat"
