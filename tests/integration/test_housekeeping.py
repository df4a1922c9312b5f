"""Update ids are kept as long as Telegram could redeliver them, then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.housekeeping import KEEP_RECEIPTS, KEEP_UPDATE_IDS, forget_old_receipts, forget_old_updates
from storage.database import Database
from storage.models import OutboxMessage, ProcessedUpdate
from storage.uow import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_old_update_ids_are_forgotten_recent_ones_kept(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        for event_id, age in (("1", KEEP_UPDATE_IDS + timedelta(hours=1)), ("2", timedelta(hours=23))):
            uow.session.add(ProcessedUpdate(channel="telegram", event_id=event_id, processed_at=NOW - age))
        await uow.commit()
    assert await forget_old_updates(UnitOfWorkFactory(any_database), NOW) == 1
    async with UnitOfWork(any_database) as uow:
        assert not await uow.updates.seen("telegram", "1")
        assert await uow.updates.seen("telegram", "2"), "still redeliverable: a redelivery must change nothing"


async def test_receipts_of_old_messages_are_forgotten_what_is_owed_never(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        for status, age in (("read", KEEP_RECEIPTS + timedelta(days=1)), ("delivered", timedelta(days=2))):
            uow.session.add(OutboxMessage(channel="whatsapp", chat_id="", payload="", status=status, sent_at=NOW - age))
        for status in ("pending", "waiting"):
            uow.session.add(OutboxMessage(channel="whatsapp", chat_id="EC.1", payload="{}", status=status))
        await uow.commit()
    assert await forget_old_receipts(UnitOfWorkFactory(any_database), NOW) == 1
    async with UnitOfWork(any_database) as uow:
        assert await uow.outbox.counts() == {"delivered": 1, "pending": 1, "waiting": 1}
