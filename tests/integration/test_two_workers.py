"""Two workers receive two messages of one chat at the same moment: both steps are applied, none is
lost to an apology — a conflict met anywhere in the transaction is retried (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from config.consultation import Consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.messages import Incoming
from handlers.services import Services
from storage.database import Database, open_database
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.conftest import NOW

TRIALS = 10
FIRST = "Primer texto del problema, con detalle suficiente para el paso."
SECOND = "Segundo texto: la solución propuesta, también con detalle."


def event(n: int, chat: str, **values: Any) -> Incoming:
    return Incoming(
        event_id=f"{chat}-{n}", channel="telegram", chat_id=chat, user_id=chat, language_hint="es", **values
    )


async def reach_the_problem(engine: Engine, chat: str) -> None:
    for n, choice in enumerate(
        ("lang:es", "consent:yes:es", "sector:skip", "zone:skip", "age:skip", "axis:4", "pillar:integrity")
    ):
        await engine.handle(event(n, chat, content_type="button", choice=choice))


async def test_two_messages_of_one_chat_at_two_workers_are_both_applied(
    any_database: Database, any_database_url: str, quito: Consultation, catalogs: Catalogs
) -> None:
    other_process = open_database(any_database_url)
    try:
        workers = [
            Engine(Services(UnitOfWorkFactory(db), quito, catalogs, lambda: NOW))
            for db in (any_database, other_process)
        ]
        for trial in range(TRIALS):
            chat = str(9000 + trial)
            await reach_the_problem(workers[0], chat)
            await asyncio.gather(
                *(
                    worker.handle(event(100 + n, chat, content_type="text", text=text))
                    for n, (worker, text) in enumerate(zip(workers, (FIRST, SECOND), strict=True))
                )
            )
            async with UnitOfWork(any_database) as uow:
                conversation = await uow.conversations.find("telegram", chat)
                owed = await uow.outbox.counts()
            assert conversation is not None and conversation.step == "contribution", f"trial {trial}"
            assert {conversation.draft["problem"], conversation.draft["solution"]} == {FIRST, SECOND}
            assert owed.get("pending", 0) > 0
    finally:
        await other_process.dispose()
    async with UnitOfWork(any_database) as uow:
        pending = await uow.outbox.listing(("pending",), limit=10_000)
    assert not any("went wrong" in row.payload or "algo falló" in row.payload for row in pending), "no apology"
