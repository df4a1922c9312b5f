"""Background upkeep while the bot runs: forget update ids Telegram can no longer redeliver."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
KEEP_UPDATE_IDS = timedelta(days=7)  # Telegram keeps undelivered updates for 24 hours
EVERY = 3600.0


async def forget_old_updates(uow_factory: Callable[[], UnitOfWork], now: datetime | None = None) -> int:
    async with uow_factory() as uow:
        removed = await uow.updates.forget_before((now or datetime.now(UTC)) - KEEP_UPDATE_IDS)
        await uow.commit()
    return removed


async def run(uow_factory: Callable[[], UnitOfWork], every: float = EVERY) -> None:
    while True:
        try:
            removed = await forget_old_updates(uow_factory)
            if removed:
                log.info("forgot %s processed update ids older than %s", removed, KEEP_UPDATE_IDS)
        except Exception:
            log.exception("housekeeping failed; trying again later")
        await asyncio.sleep(every)
