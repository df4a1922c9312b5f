"""The reminder round, while the bot runs: abandoned drafts get their one reminder (handlers/intake/reminders.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from handlers.intake.reminders import abandoned_drafts, remind
from handlers.outbox import post
from handlers.services import Services
from storage.errors import Conflict

log = logging.getLogger(__name__)
EVERY = 60.0


async def remind_once(services: Services, now: datetime | None = None) -> int:
    """One round: each due reminder in a transaction of its own. Returns how many were written."""
    now = now or services.clock()
    async with services.uow() as uow:
        candidates = await abandoned_drafts(uow, services, now)
    written = 0
    for conversation_id in candidates:
        try:
            async with services.uow() as uow:
                reminders = await remind(uow, services, conversation_id, now)
                if reminders:
                    await post(uow, reminders)
                    await uow.commit()
                    written += len(reminders)
        except Conflict:
            log.info("conversation %s moved while being reminded; it is not abandoned", conversation_id)
    return written


async def run_round(services: Services, wake: Callable[[], None]) -> None:
    try:
        if await remind_once(services):
            wake()  # the outbox drainers send them now
    except Exception:
        log.exception("the reminder round failed; trying again later")
