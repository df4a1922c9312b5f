"""Redelivered updates, failures inside a step, concurrent updates of one chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.outbox.delivery import Delivery
from config.consultation import load_consultation
from handlers.engine import Engine
from handlers.intake import flow
from handlers.services import Services
from storage.database import Database
from storage.models import OutboxMessage, Participant, ProcessedUpdate
from storage.uow import UnitOfWorkFactory
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer, fixed_clock
from tests.unit.story import consent, conversation_of, count, proposals, reach_review, skip_profile


async def test_a_redelivered_update_changes_nothing_and_sends_nothing(citizen: Citizen, database: Database) -> None:
    await reach_review(citizen)
    send = citizen.incoming(content_type="button", choice="review:send")
    first = await citizen.replay(send)
    assert "UIO-0001" in first[0].text

    again = await citizen.replay(send)

    assert again == []
    assert len(await proposals(database)) == 1


async def test_a_failure_inside_a_step_rolls_back_and_apologises(
    citizen: Citizen, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:1")
    before = await conversation_of(database, citizen.user_id)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(flow, "on_choice", broken)
    [reply] = await citizen.press_data("pillar:integrity")

    assert "something went wrong" in reply.text
    after = await conversation_of(database, citizen.user_id)
    assert before is not None and after is not None
    assert (after.step, after.draft) == (before.step, before.draft)
    assert await count(database, ProcessedUpdate) > 0

    monkeypatch.undo()
    await citizen.press_data("pillar:integrity")
    assert "Describe the problem" in citizen.last.text


async def test_updates_of_one_chat_run_in_order(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    presses = [citizen.incoming(content_type="button", choice=d) for d in ("axis:1", "pillar:integrity")]
    texts = [
        citizen.incoming(content_type="text", text=t)
        for t in (
            "Primer texto del problema con detalle suficiente.",
            "Segundo texto: la solución propuesta con detalle.",
        )
    ]
    await asyncio.gather(*(citizen.replay(update) for update in [*presses, *texts]))
    conversation = await conversation_of(database, citizen.user_id)
    assert conversation is not None and conversation.step == "contribution"
    assert conversation.draft["problem"].startswith("Primer")
    assert conversation.draft["solution"].startswith("Segundo")


async def test_many_citizens_at_once_each_get_a_distinct_code(
    make_citizen: Callable[..., Citizen], database: Database
) -> None:
    citizens = [make_citizen(str(700 + n)) for n in range(12)]
    await asyncio.gather(*(reach_review(c) for c in citizens))
    await asyncio.gather(*(c.press_data("review:send") for c in citizens))
    codes = [p.code for p in await proposals(database)]
    assert sorted(codes) == [f"UIO-{n:04d}" for n in range(1, 13)]


async def test_replies_wait_in_the_outbox_until_sent(citizen: Citizen, database: Database) -> None:
    """A crash after the commit and before sending loses no reply: the drainer sends it later."""
    await consent(citizen)
    engine = citizen.engine
    await engine.handle(citizen.incoming(content_type="button", choice="sector:skip"))  # no delivery
    assert await count(database, OutboxMessage) == 1
    sender = RecordingSender()
    await Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=fast_pacer()).drain_once()
    assert ["Where do you live?" in m.text for m in sender.sent] == [True]
    assert await count(database, OutboxMessage) == 0


async def test_replies_queued_already_claimed_go_without_a_write_to_claim_them(
    citizen: Citizen, database: Database
) -> None:
    """The engine queues the replies to its chat claimed by the sender it hands them to (SQLite: one sender):
    the drainer leaves them alone, and that sender reads them back and sends them, writing no claim."""
    await consent(citizen)
    sender = RecordingSender()
    delivery = Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=fast_pacer(), sole_sender=True)
    until = delivery.claim_ahead()
    assert until is not None
    handed: list[int] = []

    async def later(ids: list[int]) -> None:
        handed.extend(ids)

    await citizen.engine.handle(
        citizen.incoming(content_type="button", choice="sector:skip"), later, claimed_until=until
    )
    await delivery.drain_once()
    assert sender.sent == [], "the drainer leaves what another sender holds"

    statements: list[str] = []

    def heard(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", heard)
    try:
        await delivery.deliver(handed, until)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", heard)
    assert ["Where do you live?" in m.text for m in sender.sent] == [True]
    assert not [s for s in statements if s.startswith("UPDATE outbox")], statements
    assert await count(database, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 21, tzinfo=ZoneInfo("America/Guayaquil")), "closed on"),
        (datetime(2022, 9, 1, tzinfo=ZoneInfo("America/Guayaquil")), "not open yet"),
    ],
    ids=["after closing", "before opening"],
)
async def test_a_closed_consultation_says_so_and_stores_nothing(
    database: Database, services: Services, moment: datetime, expected: str
) -> None:
    cuenca = load_consultation("cuenca-2022")
    engine = Engine(replace(services, consultation=cuenca, clock=fixed_clock(moment)))
    sender = RecordingSender()
    delivery = Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=fast_pacer())
    citizen = Citizen(engine, delivery, sender, Counter())
    await citizen.send("/start")
    await citizen.press_data("lang:en")
    assert expected in citizen.last.text
    assert await count(database, Participant) == 0
