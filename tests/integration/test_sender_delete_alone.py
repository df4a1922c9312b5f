"""The sender deletes a reply it sent in a statement of its own (SQLite: ``Database.alone``), without a session's
transaction, unless its ``after_send`` wrote something: then both go in the session's one transaction. Either
way the row is gone once sent and nothing the hook wrote is lost (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from handlers.messages import Outgoing, Sent
from storage.database import Database
from storage.repositories import DELIVERED_ALONE
from storage.uow import UnitOfWork
from tests.integration.test_outbox_claims import SlowChannel
from tests.integration.test_outbox_hiccups import ANA, owe, sender, still_owed


def statements(database: Database) -> list[str]:
    """The statements SQLAlchemy runs on ``database`` from now on, and its commits."""
    ran: list[str] = []

    def statement(_connection: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        ran.append(sql)

    def commit(_connection: Any) -> None:
        ran.append("COMMIT")

    event.listen(database.engine.sync_engine, "before_cursor_execute", statement)
    event.listen(database.engine.sync_engine, "commit", commit)
    return ran


async def test_a_sent_reply_with_nothing_to_record_is_deleted_outside_the_session(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone: list[bool] = []
    run_alone = Database.alone

    async def spied(database: Database, sql: str, parameters: tuple[Any, ...]) -> bool:
        alone.append(await run_alone(database, sql, parameters))
        return alone[-1]

    monkeypatch.setattr(Database, "alone", spied)
    channel = SlowChannel(seconds=0)
    outbox = sender(any_database, channel)
    ids = await owe(any_database, "Gracias, Ana.")
    ran = statements(any_database)

    await outbox.deliver(ids)
    await outbox.drain_once()

    assert channel.sent == ["Gracias, Ana."]
    assert await still_owed(any_database) == [], "recorded as sent: the row is gone"
    heard = ran[ran.index(DELIVERED_ALONE) :][:2] if any_database.is_sqlite else []
    assert heard == ([DELIVERED_ALONE, "COMMIT"] if any_database.is_sqlite else []), (
        "the delete and its commit are heard by SQLAlchemy's listeners"
    )
    assert alone == ([True] if any_database.is_sqlite else [False]), "SQLite runs the delete alone, not in a session"


async def test_what_after_send_writes_goes_with_the_delete_in_the_session(any_database: Database) -> None:
    async def record(uow: UnitOfWork, message: Outgoing, sent: Sent) -> None:
        await uow.outbox.put(ANA.channel, ANA.chat_id, Outgoing(to=ANA, text="recorded").to_json())

    channel = SlowChannel(seconds=0)
    outbox = sender(any_database, channel, after_send=record)
    ids = await owe(any_database, "Gracias, Ana.")

    await outbox.deliver(ids)

    assert channel.sent == ["Gracias, Ana."]
    assert await still_owed(any_database) == [("recorded", False)], "the hook's row kept, the sent one gone"


async def test_alone_runs_nothing_where_a_session_must_do_it(any_database: Database) -> None:
    ids = await owe(any_database, "Gracias, Ana.")
    async with UnitOfWork(any_database) as uow:
        await uow.outbox.put(ANA.channel, ANA.chat_id, Outgoing(to=ANA, text="other").to_json())
        assert not await uow.delivered_alone(ids[0]), "the unit of work has written: its transaction must do it"
    async with UnitOfWork(any_database) as uow:
        assert await uow.delivered_alone(ids[0]) == any_database.is_sqlite
        if not any_database.is_sqlite:
            await uow.outbox.delivered(ids[0])
            await uow.commit()
    assert await still_owed(any_database) == []
