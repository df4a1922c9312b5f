"""Status webhooks recorded against the outbox row they are about.

Receipts only move forward (``sent`` → ``delivered`` → ``read``); a delivered message's text and
recipient are blanked, leaving a count for ``cocrea outbox``. A ``failed`` one is what Meta refused
after accepting the send: 131047 (the 24-hour window closed) makes the message wait for the person,
and the doorbell rings when it is the first to wait; other codes fail it, mark the person
unreachable, or try again later, as the same code would synchronously. Redelivered receipts change
nothing, and so do receipts of an earlier send of a message that was sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox.sending import BadMessage, Unreachable, WaitForPerson
from bot.whatsapp.convert import Receipt
from bot.whatsapp.errors import classify
from bot.whatsapp.render import CHANNEL
from handlers.messages import Outgoing
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

PROGRESS = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}
RETRY_FAILED_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Ring:
    """The doorbell is owed for this message, once the receipt is committed."""

    chat_id: str
    message: Outgoing


async def record(uow: UnitOfWork, receipt: Receipt, now: datetime) -> Ring | None:
    if not receipt.ours:
        return None
    row = await uow.outbox.receipted(CHANNEL, receipt.outbox_id, receipt.message_id)
    if row is None or row.message_id not in (None, receipt.message_id):
        return None  # not ours, forgotten, or about an earlier send of a message sent again
    if receipt.status == "failed":
        return await _failed(uow, row, receipt, now)
    if row.status in PROGRESS and PROGRESS[receipt.status] > PROGRESS[row.status]:
        await uow.outbox.advance(row.id, receipt.status, blank=receipt.status in ("delivered", "read"))
    return None


async def _failed(uow: UnitOfWork, row: OutboxMessage, receipt: Receipt, now: datetime) -> Ring | None:
    if row.status not in ("pending", "sent"):
        return None
    problem = classify(receipt.code, message=receipt.error)
    if isinstance(problem, WaitForPerson):
        first = not await uow.outbox.has_waiting(CHANNEL, row.chat_id)
        message = Outgoing.from_json(row.payload)
        await uow.outbox.wait_for_person(row.id, str(problem))
        return Ring(row.chat_id, message) if first else None
    if isinstance(problem, Unreachable):
        await uow.outbox.give_up(row.id, "undeliverable", str(problem))
    elif isinstance(problem, BadMessage):
        await uow.outbox.give_up(row.id, "failed", str(problem))
    else:
        await uow.outbox.retry_later(row.id, now + RETRY_FAILED_AFTER, str(problem))
    return None


class ReceiptBook:
    """Receipts from webhooks that arrive together are written in one transaction (Meta sends two or
    three per message, each in a request of its own): each request still gets its answer only once its
    receipt is committed. ``sent`` needs no writing: the send's own answer said as much."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._pending: list[tuple[Receipt, asyncio.Future[Ring | None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, receipt: Receipt) -> Ring | None:
        if receipt.status == "sent" or not receipt.ours:
            return None
        done: asyncio.Future[Ring | None] = asyncio.get_running_loop().create_future()
        self._pending.append((receipt, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write())
        return await done

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._uow() as uow:
                    rings = [await record(uow, receipt, self._clock()) for receipt, _ in batch]
                    await uow.commit()
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for (_, done), ring in zip(batch, rings, strict=True):
                if not done.done():
                    done.set_result(ring)
