"""Cards waiting for the moderators' group's pace are folded into one digest, in one transaction, only while
the sender's claims hold (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.outbox.delivery import Delivery
from bot.outbox.pacing import Pacer
from handlers.i18n import Catalogs
from handlers.messages import Address, Outgoing, Reference
from handlers.moderation.digest import SHOWN_CARD, CardDigest
from storage.database import Database
from storage.models import OutboxMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.driver import RecordingSender

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
GROUP = Address("telegram", "-100200")


def new_card(number: int, purpose: str = "card") -> Outgoing:
    code = f"UIO-{number:04d}"
    return Outgoing(
        to=GROUP,
        text=f"New proposal {code}\n\nProblem: …",
        about=Reference(purpose, proposal_id=number),
        new_thread=f"{code} · Movilidad",
    )


async def queue(database: Database, messages: list[Outgoing]) -> None:
    async with UnitOfWork(database) as uow:
        for message in messages:
            await uow.outbox.put(GROUP.channel, GROUP.chat_id, message.to_json())
        await uow.commit()


async def held_rows(database: Database) -> int:
    async with UnitOfWork(database) as uow:
        return int((await uow.session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one())


async def no_wait(seconds: float) -> None:
    return None


async def sender(database: Database, group: RecordingSender, catalogs: Catalogs) -> Delivery:
    pacer = Pacer(clock=lambda: 0.0, sleep=no_wait)
    while not pacer.busy(GROUP.chat_id):  # the group's pace is taken: its next slot is booked ahead
        await pacer.wait_turn(GROUP.chat_id, group=True)
    return Delivery(
        UnitOfWorkFactory(database),
        group,
        "telegram",
        clock=lambda: NOW,
        pacer=pacer,
        fold=CardDigest(lambda: catalogs.get("es", "America/Guayaquil")),
    )


async def test_waiting_cards_become_one_digest_with_a_button_per_code(
    any_database: Database, catalogs: Catalogs
) -> None:
    await queue(any_database, [new_card(1), new_card(2), new_card(3), new_card(4, SHOWN_CARD), new_card(5)])
    delivery = await sender(any_database, RecordingSender(), catalogs)
    rows = list((await delivery.claim(list(range(1, 6)))).values())

    folded = await delivery.fold(sorted(rows, key=lambda row: row.id))

    assert len(folded) == 2, "cards 2 and 3 are folded into card 1's place; a card asked for is never folded"
    digest = Outgoing.from_json(min(rows, key=lambda row: row.id).payload)
    assert digest.text.startswith("3 propuestas nuevas")
    assert [choice.label for row in digest.choices for choice in row] == ["UIO-0001", "UIO-0002", "UIO-0003"]
    assert [choice.id for row in digest.choices for choice in row] == ["mod:card:1", "mod:card:2", "mod:card:3"]
    assert await held_rows(any_database) == 3


async def test_nothing_is_folded_once_a_claim_lapsed(any_database: Database, catalogs: Catalogs) -> None:
    await queue(any_database, [new_card(1), new_card(2)])
    delivery = await sender(any_database, RecordingSender(), catalogs)
    rows = sorted((await delivery.claim([1, 2])).values(), key=lambda row: row.id)
    rows[0].claimed_until = NOW  # what we think we hold is no longer what the row says

    assert await delivery.fold(rows) == set()
    assert await held_rows(any_database) == 2
