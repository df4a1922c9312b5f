"""The database hiccups while the outbox sends (locked for a moment, a connection lost): a reply is neither
lost nor sent twice, and the event that queued it is not failed for it (SQLite and PostgreSQL).

The clock stands still here, as in the end-to-end tests: a claim that is never given back never lapses,
so a message whose claim leaked would wait forever instead of two minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.outbox import delivery
from bot.outbox.delivery import AfterSend, Delivery
from handlers.messages import Address, Outgoing, Sent
from storage.database import Database
from storage.errors import DatabaseUnavailable
from storage.models import OutboxMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import fast_pacer
from tests.integration.test_outbox_claims import SlowChannel

ANA = Address("telegram", "1001")


async def owe(database: Database, *texts: str) -> list[int]:
    async with UnitOfWork(database) as uow:
        ids = [(await uow.outbox.put(ANA.channel, ANA.chat_id, Outgoing(to=ANA, text=t).to_json())).id for t in texts]
        await uow.commit()
    return ids


async def still_owed(database: Database) -> list[tuple[str, bool]]:
    """What is still owed to Ana: its text and whether someone holds a claim on it."""
    async with UnitOfWork(database, read_only=True) as uow:
        rows = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
    return [(Outgoing.from_json(row.payload).text, row.claimed_until is not None) for row in rows]


class Hiccups:
    """Fails the first ``times`` calls with what a locked database raises, then lets them through."""

    def __init__(self, times: int) -> None:
        self.left = times

    def strike(self) -> None:
        if self.left > 0:
            self.left -= 1
            raise DatabaseUnavailable("database is locked")


def sender(database: Database, channel: SlowChannel, after_send: AfterSend | None = None) -> Delivery:
    """A sender whose clock stands still a minute ahead: what the test queues is due, no claim ever lapses."""
    moment = datetime.now(UTC) + timedelta(minutes=1)
    return Delivery(
        UnitOfWorkFactory(database), channel, "telegram", lambda: moment, fast_pacer(), after_send=after_send
    )


async def test_a_reply_sent_while_the_database_hiccups_is_recorded_once_it_answers(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "RECORD_PAUSES", (0.01, 0.01, 0.01))
    hiccups = Hiccups(times=2)

    async def record(uow: UnitOfWork, message: Outgoing, sent: Sent) -> None:
        hiccups.strike()

    channel = SlowChannel(seconds=0)
    outbox = sender(any_database, channel, after_send=record)
    ids = await owe(any_database, "Gracias, Ana. Tu código es UIO-0001.")

    await outbox.deliver(ids)
    await outbox.drain_once()

    assert channel.sent == ["Gracias, Ana. Tu código es UIO-0001."], "sent once, not again after the hiccups"
    assert await still_owed(any_database) == [], "and recorded as sent"


async def test_a_reply_that_cannot_be_claimed_now_is_left_to_the_drainer(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = SlowChannel(seconds=0)
    outbox = sender(any_database, channel)
    ids = await owe(any_database, "¿Cuál es el problema?")
    real_claim = outbox._claim_own
    hiccups = Hiccups(times=1)

    async def claim_own(wanted: list[int]) -> tuple[dict[int, OutboxMessage], set[int]]:
        hiccups.strike()
        return await real_claim(wanted)

    monkeypatch.setattr(outbox, "_claim_own", claim_own)

    await outbox.deliver(ids)  # the citizen's step is committed: it must not be failed for this
    assert channel.sent == []
    await outbox.drain_once()

    assert channel.sent == ["¿Cuál es el problema?"]
    assert await still_owed(any_database) == []


async def test_a_failure_before_the_channel_took_a_message_gives_its_claim_back(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = SlowChannel(seconds=0)
    outbox = sender(any_database, channel)
    ids = await owe(any_database, "Preparando la exportación… 0 %", "Exportación para el equipo")
    real_still_ours = outbox._still_ours
    hiccups = Hiccups(times=1)

    async def still_ours(row: OutboxMessage) -> bool:
        hiccups.strike()
        return await real_still_ours(row)

    monkeypatch.setattr(outbox, "_still_ours", still_ours)

    await outbox.deliver(ids)
    assert await still_owed(any_database) == [
        ("Preparando la exportación… 0 %", False),
        ("Exportación para el equipo", False),
    ], "nothing sent, no claim kept: the clock stands still, a kept claim would never lapse"
    await outbox.drain_once()

    assert channel.sent == ["Preparando la exportación… 0 %", "Exportación para el equipo"], "both, in order"
    assert await still_owed(any_database) == []
