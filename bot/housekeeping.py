"""Background upkeep while the bot runs: forget event ids no channel can redeliver any more, and the
receipts of messages sent long ago (``cocrea outbox`` counts the last 30 days)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from handlers.services import Services
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
KEEP_UPDATE_IDS = timedelta(days=8)  # Telegram keeps undelivered updates for 24 hours; Meta retries for 7 days
KEEP_RECEIPTS = timedelta(days=30)
EVERY = 3600.0


async def forget_old_updates(uow_factory: Callable[[], UnitOfWork], now: datetime | None = None) -> int:
    async with uow_factory() as uow:
        removed = await uow.updates.forget_before((now or datetime.now(UTC)) - KEEP_UPDATE_IDS)
        await uow.commit()
    return removed


async def forget_old_receipts(uow_factory: Callable[[], UnitOfWork], now: datetime | None = None) -> int:
    async with uow_factory() as uow:
        removed = await uow.outbox.forget_receipts_before((now or datetime.now(UTC)) - KEEP_RECEIPTS)
        await uow.commit()
    return removed


async def run_round(services: Services) -> None:
    try:
        now = datetime.now(UTC)  # both are stamped with the real time, whatever clock the services keep
        removed = await forget_old_updates(services.uow, now)
        if removed:
            log.info("forgot %s processed event ids older than %s", removed, KEEP_UPDATE_IDS)
        removed = await forget_old_receipts(services.uow, now)
        if removed:
            log.info("forgot %s sent messages older than %s", removed, KEEP_RECEIPTS)
    except Exception:
        log.exception("housekeeping failed; trying again later")
