"""Two updates of one chat never run at the same time anywhere: on PostgreSQL the second worker's
transaction waits for the first one's chat lock; other chats go on meanwhile (SQLite's write
transaction already excludes every other writer)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from config.consultation import Consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.services import Services
from storage.database import Database, open_database
from storage.locks import lock_chat
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.conftest import NOW
from tests.driver import eventually
from tests.integration.test_two_workers import FIRST, SECOND, event, reach_the_problem


async def waiting_for_a_lock(database: Database) -> bool:
    async with database.engine.connect() as conn:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return bool((await conn.execute(text(query))).scalar_one())


async def test_a_chats_second_update_waits_for_the_first_and_other_chats_do_not(
    any_database: Database, any_database_url: str
) -> None:
    if any_database.is_sqlite:
        pytest.skip("SQLite: one writer at a time already")
    other_worker = open_database(any_database_url)
    try:
        async with UnitOfWork(any_database) as first:
            await lock_chat(first, "telegram", "7")

            async def second(chat: str) -> None:
                async with UnitOfWork(other_worker) as uow:
                    await lock_chat(uow, "telegram", chat)
                    await uow.commit()

            await asyncio.wait_for(second("8"), 10)  # another chat: no wait
            same_chat = asyncio.create_task(second("7"))
            await eventually(lambda: waiting_for_a_lock(any_database))
            assert not same_chat.done(), "chat 7's second update waits"
            await first.commit()
        await asyncio.wait_for(same_chat, 10)  # and goes once the first one committed
    finally:
        await other_worker.dispose()


async def test_two_workers_never_redo_an_update_of_one_chat(
    any_database: Database,
    any_database_url: str,
    quito: Consultation,
    catalogs: Catalogs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the lock, two workers reading the same conversation at once collide, and one redoes its
    update; with it, the second waits for the first and reads its result."""
    other_process = open_database(any_database_url)
    try:
        databases = (any_database, other_process)
        workers = [Engine(Services(UnitOfWorkFactory(db), quito, catalogs, lambda: NOW)) for db in databases]
        for trial in range(6):
            chat = str(9100 + trial)
            await reach_the_problem(workers[0], chat)
            with caplog.at_level(logging.INFO, logger="handlers.engine"):
                await asyncio.gather(
                    *(
                        worker.handle(event(100 + n, chat, content_type="text", text=text))
                        for n, (worker, text) in enumerate(zip(workers, (FIRST, SECOND), strict=True))
                    )
                )
            async with UnitOfWork(any_database) as uow:
                conversation = await uow.conversations.find("telegram", chat)
            assert conversation is not None and conversation.step == "contribution"
    finally:
        await other_process.dispose()
    assert "another worker wrote" not in caplog.text
