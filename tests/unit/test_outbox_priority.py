"""Replies first: a reply to what a person just did goes before bulk notices (an answers import for many
authors), and a chat's own messages keep their order whatever their priority."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.outbox.delivery import Delivery
from bot.outbox.pacing import Pacer
from bot.outbox.sending import Pace
from handlers.actors import operator
from handlers.engine import Engine
from handlers.messages import Address, Outgoing
from handlers.outbox import BULK, REPLY, post
from handlers.services import Services
from handlers.staff.answers_import import import_answers, read_answers
from storage.database import Database
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import Citizen, Counter, RecordingSender, eventually
from tests.seed import FIRST_CHAT, many_authors

pytestmark = pytest.mark.serial  # measures time or loads the machine: run alone (scripts/test)

AUTHORS = 300
QUICK_PACE = Pace(per_second=100.0, per_chat_per_second=100.0, chat_burst=3, per_group_per_minute=6000.0)
"""Telegram's pace sped up ~3 times, so that the bulk run takes a few seconds."""


@pytest.fixture
async def imported(sqlite_url: str, services: Services) -> int:
    """An answers import for ``AUTHORS`` authors: one reasoned answer queued for each, as bulk."""
    await many_authors(sqlite_url, AUTHORS)
    lines = [f"UIO-{n:04d},accepted,Se incorpora al plan de acción." for n in range(1, AUTHORS + 1)]
    rows = read_answers("code,status,answer\n" + "\n".join(lines), "answers.csv")
    report = await import_answers(services, operator(), rows, "answers.csv")
    return report.notified


@pytest.fixture
async def sending(services: Services) -> AsyncIterator[tuple[Delivery, RecordingSender]]:
    """The bot's outbox sender, running at the quick pace."""
    sender = RecordingSender()
    delivery = Delivery(services.uow, sender, "telegram", pacer=Pacer(QUICK_PACE), poll_seconds=0.05)
    stopping = asyncio.Event()
    running = asyncio.create_task(delivery.run(stopping))
    yield delivery, sender
    stopping.set()
    delivery.wake()
    await asyncio.wait_for(running, 10)


async def test_an_answers_import_for_many_authors_does_not_make_a_citizen_wait(
    imported: int, sending: tuple[Delivery, RecordingSender], services: Services
) -> None:
    delivery, sender = sending
    assert imported == AUTHORS
    await eventually(lambda: _at_least(sender, 20))  # the notices are going out

    citizen = Citizen(Engine(services), delivery, sender, Counter(), user_id="42")
    queued_after = 0

    async def deliver(ids: list[int]) -> None:  # called once the reply is committed to the outbox
        nonlocal queued_after
        queued_after = len(sender.sent)
        await delivery.deliver(ids)

    await citizen.engine.handle(citizen.incoming(content_type="command", text="/start"), deliver)

    position = next(i for i, m in enumerate(sender.sent) if m.to.chat_id == "42")
    # Without priorities the reply would queue behind the 32 notices the drainer has in hand; with them it takes
    # the next free slot (on SQLite a few notices more go while its claim waits for the write lock).
    assert position - queued_after <= 8, "the reply went before the notices in hand"
    assert position < AUTHORS // 2, "and the import was still being sent"
    await eventually(lambda: _at_least(sender, AUTHORS + 1))
    notified = {m.to.chat_id for m in sender.sent} - {"42"}
    assert notified == {str(FIRST_CHAT + n) for n in range(1, AUTHORS + 1)}, "every author heard, once"


async def _at_least(sender: RecordingSender, count: int) -> bool:
    return len(sender.sent) >= count


def message(chat: str, text: str) -> Outgoing:
    return Outgoing(Address("telegram", chat), text)


async def test_the_drainer_takes_chats_holding_a_reply_first_and_each_chat_in_its_order(database: Database) -> None:
    async with UnitOfWork(database) as uow:
        await post(uow, [message(str(100 + n), f"notice {n}") for n in range(50)], priority=BULK)
        await post(uow, [message("7", "notice for 7")], priority=BULK)
        await post(uow, [message("7", "reply to 7")], priority=REPLY)
        await post(uow, [message("8", "reply to 8")], priority=REPLY)
        await uow.commit()
    sender = RecordingSender()
    await Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=Pacer(QUICK_PACE)).drain_once()

    texts = [m.text for m in sender.sent]
    assert len(texts) == 53
    assert set(texts[:2]) == {"notice for 7", "reply to 8"}, "chats holding a reply are served first"
    assert texts.index("notice for 7") < texts.index("reply to 7"), "a chat's own messages keep their order"
    assert texts.index("reply to 7") < 10, "and 7's reply follows as soon as its chat's pace allows"
