"""What the engine's cheaper per-update work must keep (issue 13, "A leaner engine")."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from sqlalchemy import event

from bot.outbox.delivery import Delivery
from bot.serving import YOUNG_COLLECTION_EVERY, settle_memory
from handlers.messages import Address, Choice, Outgoing, Reference
from storage.database import Database
from storage.models import REPLY, OutboxMessage
from storage.uow import UnitOfWorkFactory
from tests.driver import Citizen, RecordingSender, fast_pacer
from tests.unit.story import consent, count, skip_profile


@contextmanager
def statements_run(database: Database) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, BEGIN and COMMIT left out."""
    seen: list[str] = []

    def heard(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", heard)


def test_a_message_is_stored_as_the_json_of_all_its_fields() -> None:
    full = Outgoing(
        to=Address("telegram", "42"),
        text="¿Con qué eje temático?",
        choices=((Choice("axis:1", "Movilidad", "Mov."), Choice("axis:2", "Agua")), (Choice("axis:3", "Aire"),)),
        reply_to="7",
        thread="9",
        new_thread="UIO-0042",
        replaces="8",
        answered="Sí",
        about=Reference("card", 42, 7),
        language="es",
        subject="tu propuesta",
    )
    plain = Outgoing(to=Address("whatsapp", "593"), text="hola")
    for message in (full, plain):
        assert message.to_json() == json.dumps(asdict(message), ensure_ascii=False)
        assert Outgoing.from_json(message.to_json()) == message


async def test_replies_handed_over_are_sent_without_reading_them_back(citizen: Citizen, database: Database) -> None:
    """The engine hands the sender the replies it queued claimed for it, as queued: sent, deleted, nothing read."""
    await consent(citizen)
    sender = RecordingSender()
    delivery = Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=fast_pacer(), sole_sender=True)
    until = delivery.claim_ahead()
    assert until is not None
    handed: dict[int, OutboxMessage] = {}
    ids: list[int] = []

    async def later(queued: list[int]) -> None:
        ids.extend(queued)

    await citizen.engine.handle(
        citizen.incoming(content_type="button", choice="sector:skip"), later, claimed_until=until, handed=handed
    )
    assert list(handed) == ids and all(row.claimed_until == until for row in handed.values())
    with statements_run(database) as statements:
        await delivery.deliver(ids, until, handed)
    assert ["Where do you live?" in m.text for m in sender.sent] == [True]
    assert [s.split()[0] for s in statements] == ["DELETE"], statements
    assert await count(database, OutboxMessage) == 0


async def test_a_message_not_handed_stops_the_sender_and_the_drainer_sends_both_in_order(database: Database) -> None:
    """A message released for its person comes before the update's replies but was not queued claimed, so it
    is not handed: the sender stops there, gives its claim on the reply back, and the drainer sends both, in
    order, as when the rows were read back."""
    sender = RecordingSender()
    uow = UnitOfWorkFactory(database)
    delivery = Delivery(uow, sender, "telegram", pacer=fast_pacer(), sole_sender=True)
    until = delivery.claim_ahead()
    assert until is not None
    first, second = (Outgoing(Address("telegram", "42"), text) for text in ("waited", "reply"))
    async with uow() as work:
        ids = await work.outbox.put_all(
            [("telegram", "42", first.to_json()), ("telegram", "42", second.to_json())], REPLY, [None, until]
        )
        await work.commit()
    reply = OutboxMessage(
        id=ids[1],
        channel="telegram",
        chat_id="42",
        payload=second.to_json(),
        priority=REPLY,
        attempts=0,
        claimed_until=until,
    )
    await delivery.deliver(ids, until, {ids[1]: reply})
    assert sender.sent == []
    await delivery.drain_once()
    assert [m.text for m in sender.sent] == ["waited", "reply"]


def test_once_started_the_process_keeps_what_it_built_out_of_the_garbage_collector() -> None:
    thresholds = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


async def test_a_usual_step_writes_its_event_its_reply_and_its_conversation_and_nothing_more(
    citizen: Citizen, database: Database
) -> None:
    """An answer in the middle of a proposal: the event recorded, the chat's row read, the reply queued, the
    conversation written; nothing else (the person's row untouched, so the commit has nothing to flush)."""
    await consent(citizen)
    await skip_profile(citizen)
    with statements_run(database) as statements:
        await citizen.press(citizen.labels()[0])
    engine = [s.split()[0] + " " + s.split()[2 if s.startswith(("INSERT", "DELETE")) else 1] for s in statements]
    assert engine[:4] == [
        "INSERT processed_updates",
        "SELECT conversations.id,",
        "INSERT outbox",
        "UPDATE conversations",
    ], statements
    assert not [s for s in statements if s.startswith("UPDATE participants")]


def test_aiogram_builds_a_keyboard_once_for_its_buttons() -> None:
    from bot.telegram.aiogram_runner import _markup

    rows = [[("Sí", "consent:yes"), ("No", "consent:no")], [("Ayuda", "help")]]
    first, again, other = _markup(rows), _markup([list(row) for row in rows]), _markup([[("No", "consent:no")]])
    assert first is again and other is not first
    assert first is not None and [[(b.text, b.callback_data) for b in row] for row in first.inline_keyboard] == rows
    assert _markup(None) is None and _markup([]) is None
