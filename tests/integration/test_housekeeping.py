"""Update ids are kept as long as Telegram could redeliver them, then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.housekeeping import KEEP_UPDATE_IDS, forget_old_updates
from storage.database import Database
from storage.models import ProcessedUpdate
from storage.uow import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_old_update_ids_are_forgotten_recent_ones_kept(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        for update_id, age in ((1, KEEP_UPDATE_IDS + timedelta(hours=1)), (2, timedelta(hours=23))):
            uow.session.add(ProcessedUpdate(channel="telegram", update_id=update_id, processed_at=NOW - age))
        await uow.commit()
    assert await forget_old_updates(UnitOfWorkFactory(any_database), NOW) == 1
    async with UnitOfWork(any_database) as uow:
        assert not await uow.updates.seen("telegram", 1)
        assert await uow.updates.seen("telegram", 2), "still redeliverable: a redelivery must change nothing"
