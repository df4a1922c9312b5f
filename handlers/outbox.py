"""Messages owed to people go to the outbox, in the transaction of the change that causes them.

Two priorities: ``REPLY``, an answer to what a person just did (the conversation engine's), goes
before ``BULK``, everything else (notices to many, imports, reminders, staff actions), so that an
answers import for thousands of authors never makes a citizen in the middle of a proposal wait.
A chat's own messages keep their order whatever their priority."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.messages import Address, Outgoing
from storage.models import BULK, REPLY
from storage.uow import UnitOfWork

__all__ = ["BULK", "REPLY", "post", "post_later", "release_waiting"]


async def post(uow: UnitOfWork, messages: Iterable[Outgoing], *, priority: int = BULK) -> list[int]:
    """Queue ``messages`` for their recipients' channels; returns their outbox ids, in order."""
    return [(await uow.outbox.put(m.to.channel, m.to.chat_id, m.to_json(), priority)).id for m in messages]


def post_later(uow: UnitOfWork, messages: Iterable[Outgoing]) -> int:
    """Queue ``messages`` for bulk work, without their ids (written with the transaction); returns how many."""
    count = 0
    for m in messages:
        uow.outbox.put_later(m.to.channel, m.to.chat_id, m.to_json(), BULK)
        count += 1
    return count


async def release_waiting(uow: UnitOfWork, address: Address, now: datetime) -> list[int]:
    """The person wrote again: messages that waited for them (a channel's reply window had closed) are
    due now, before the answer to what they wrote. Returns their outbox ids, in order."""
    return await uow.outbox.release_waiting(address.channel, address.chat_id, now)
