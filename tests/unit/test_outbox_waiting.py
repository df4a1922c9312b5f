"""The outbox keeps what a channel may not deliver now, and the receipts of what it delivered."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import pytest

from bot.cli.moderation import outbox_command, outbox_table
from bot.outbox.delivery import Delivery
from bot.outbox.pacing import Pacer
from bot.outbox.sending import RetryAfter, WaitForPerson
from handlers.engine import Engine
from handlers.messages import Address, Outgoing, Sent
from handlers.services import Services
from storage.database import Database
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import UNLIMITED, Citizen, Counter, RecordingSender, fast_pacer
from tests.unit.story import consent


@dataclass
class ClosedWindow(RecordingSender):
    """A channel that refuses everything to the chats in ``closed`` until they are taken out."""

    closed: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        if message.to.chat_id in self.closed:
            raise WaitForPerson("outside the window")
        self.references.append(reference)
        return await super().send(message, reference)


@pytest.fixture
def window() -> ClosedWindow:
    return ClosedWindow()


@pytest.fixture
def person(services: Services, window: ClosedWindow) -> Citizen:
    delivery = Delivery(services.uow, window, "whatsapp", pacer=fast_pacer(), receipts=True)
    return Citizen(Engine(services), delivery, window, Counter(), "EC.7", "en", channel="whatsapp")


async def statuses(database: Database) -> dict[str, int]:
    async with UnitOfWork(database) as uow:
        return await uow.outbox.counts()


async def test_a_message_that_may_not_go_now_waits_and_goes_first_when_the_person_writes(
    person: Citizen, window: ClosedWindow, database: Database, services: Services
) -> None:
    await consent(person)
    window.closed.add(person.user_id)
    async with services.uow() as uow:
        await uow.outbox.put(
            "whatsapp", person.user_id, Outgoing(Address("whatsapp", person.user_id), "News about UIO-0001").to_json()
        )
        await uow.commit()
    await person.delivery.drain_once()
    assert (await statuses(database))["waiting"] == 1
    assert await person.delivery.drain_once() is None, "a waiting message is not retried"

    window.closed.clear()
    await person.send("hello")

    texts = [message.text for message in person.inbox[-2:]]
    assert texts[0] == "News about UIO-0001", "what waited comes before the answer to what they wrote"
    assert "Which sector do you belong to?" in texts[1]
    assert "waiting" not in await statuses(database)


async def test_a_channel_with_receipts_keeps_what_it_sent_and_names_the_row(
    person: Citizen, window: ClosedWindow, database: Database
) -> None:
    await consent(person)
    counts = await statuses(database)
    assert counts == {"sent": len(person.inbox)}
    assert window.references and all(reference.isdigit() for reference in window.references)
    async with UnitOfWork(database) as uow:
        [row] = await uow.outbox.listing(("sent",), limit=1)
        assert row.message_id == "1" and row.sent_at is not None
        await uow.outbox.advance(row.id, "read", blank=True)
        await uow.commit()
        assert (await uow.outbox.counts_by_channel())["whatsapp"] == {"read": 1, "sent": len(person.inbox) - 1}


def test_cocrea_outbox_counts_per_channel_and_receipts_only_where_the_channel_gives_them() -> None:
    table = outbox_table(
        {
            "telegram": {"pending": 2, "retrying": 1, "failed": 1},
            "whatsapp": {"waiting": 3, "sent": 4, "delivered": 5, "read": 6},
        }
    )
    header, telegram, whatsapp = table.splitlines()
    assert header.split() == [
        "channel",
        "pending",
        "retrying",
        "waiting",
        "sent",
        "delivered",
        "read",
        "failed",
        "undeliverable",
    ]
    assert telegram.split() == ["telegram", "2", "1", "0", "-", "-", "-", "1", "0"]
    assert whatsapp.split() == ["whatsapp", "0", "0", "3", "15", "11", "6", "0", "0"], (
        "a read message was delivered too"
    )


async def test_cocrea_outbox_prints_the_table_and_the_waiting_list(
    services: Services, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    async with services.uow() as uow:
        row = await uow.outbox.put("whatsapp", "EC.9", Outgoing(Address("whatsapp", "EC.9"), "x").to_json())
        await uow.outbox.wait_for_person(row.id, "outside the 24-hour window; no doorbell sent")
        await uow.commit()

    @dataclass
    class FakeApp:
        uow: UnitOfWorkFactory

    assert await outbox_command(FakeApp(services.uow), argparse.Namespace(list=True)) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "whatsapp" in out and "waiting whatsapp chat EC.9" in out and "no doorbell sent" in out


class Flooded(RecordingSender):
    """The channel's number is over its throughput once."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = False

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        if not self.refused:
            self.refused = True
            raise RetryAfter(0.01, everyone=True)
        return await super().send(message, reference)


async def test_too_fast_for_the_number_holds_everyone_then_sends(services: Services) -> None:
    sender, pacer = Flooded(), Pacer(UNLIMITED)
    held: list[float] = []
    original = pacer.hold

    def hold(seconds: float) -> None:
        held.append(seconds)
        original(seconds)

    pacer.hold = hold  # type: ignore[method-assign]
    citizen = Citizen(Engine(services), Delivery(services.uow, sender, "telegram", pacer=pacer), sender, Counter())
    await citizen.send("/start")
    assert held == [0.01] and len(sender.sent) == 1
