"""One sender at a time across workers (PostgreSQL): the worker holding the lead sends what every worker
queued, in each chat's order; when its connection dies another takes over within a few seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from bot.outbox.delivery import Delivery
from bot.outbox.leader import Leadership
from bot.outbox.pacing import Pacer
from config.consultation import Consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.messages import Address, Incoming, Outgoing, Sent
from handlers.outbox import BULK, post
from handlers.services import Services
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.conftest import NOW
from tests.driver import RecordingSender, eventually
from tests.unit.test_outbox_priority import QUICK_PACE

pytestmark = pytest.mark.serial  # measures time or loads the machine: run alone (scripts/test)

TAKEOVER = 0.2
NOTICES = 300
IN_HAND = 32
"""Notices the sender has claimed and is sending when the reply is queued."""


@dataclass
class OrderedSender(RecordingSender):
    """Also records the outbox id of each message it sent, per chat."""

    ids: dict[str, list[int]] = field(default_factory=dict)

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        self.ids.setdefault(message.to.chat_id, []).append(int(reference))
        return await super().send(message, reference)


@dataclass
class Worker:
    """What one ``cocrea run`` process holds: its own connections, engine, sender and lead."""

    database: Database
    engine: Engine
    delivery: Delivery
    sender: OrderedSender
    leadership: Leadership
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        await self.leadership.try_once()
        self.tasks = [
            asyncio.create_task(self.leadership.run(self.stopping)),
            asyncio.create_task(self.delivery.run(self.stopping)),
        ]

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks)
        await self.database.dispose()

    async def write(self, chat: str, n: int, text: str, committed: Callable[[], None] = lambda: None) -> None:
        """What ``chat`` wrote, through this worker's engine; ``committed`` is called once its reply is queued."""

        async def deliver(ids: list[int]) -> None:
            committed()
            await self.delivery.deliver(ids)

        incoming = Incoming(
            event_id=f"{chat}-{n}",
            channel="telegram",
            chat_id=chat,
            user_id=chat,
            language_hint="es",
            content_type="command" if text.startswith("/") else "text",
            text=text,
        )
        await self.engine.handle(incoming, deliver)


@pytest.fixture
async def postgres(postgres_database_url: str) -> str:
    database = open_database(postgres_database_url)
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        await conn.exec_driver_sql("CREATE SCHEMA public")
    await upgrade(database)
    await database.dispose()
    return postgres_database_url


@pytest.fixture
async def workers(postgres: str, quito: Consultation, catalogs: Catalogs) -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    for _ in range(2):
        database = open_database(postgres)
        services = Services(UnitOfWorkFactory(database), quito, catalogs, lambda: NOW)
        sender = OrderedSender()
        delivery = Delivery(services.uow, sender, "telegram", pacer=Pacer(QUICK_PACE), poll_seconds=0.5)
        leadership = Leadership(database, every=TAKEOVER)
        delivery.share(leadership)
        worker = Worker(database, Engine(services), delivery, sender, leadership)
        await worker.start()
        started.append(worker)
    yield started
    for worker in started:
        await worker.stop()


def texts_to(worker: Worker, chat: str) -> list[str]:
    return [m.text for m in worker.sender.sent if m.to.chat_id == chat]


async def test_the_leader_sends_what_every_worker_queued_and_another_takes_over_when_it_dies(
    workers: list[Worker],
) -> None:
    first, second = workers
    assert first.leadership.leading and not second.leadership.leading, "one sender"

    await second.write("71", 1, "/start")  # processed by the worker that does not send
    await eventually(lambda: has_sent(first, "71"))
    assert texts_to(second, "71") == [], "the second worker queued it, the sender sent it"

    await kill_connection_of(first)  # as when its process dies: the server drops the lock
    await eventually(lambda: leads(second), timeout=5)
    await eventually(lambda: follows(first), timeout=5)

    await first.write("72", 1, "/start")
    await eventually(lambda: has_sent(second, "72"))
    assert texts_to(first, "72") == [], "the old sender stopped sending"
    assert len(texts_to(first, "71")) == 1, "nothing was sent twice"


async def test_a_chats_messages_leave_in_the_order_they_were_queued_whoever_queued_them(
    workers: list[Worker],
) -> None:
    first, second = workers
    for n, worker in enumerate([first, second, first, second, second, first]):
        await worker.write("81", n, "/help" if n else "/start")
    await eventually(lambda: has_count(first, "81", 6))
    sent = first.sender.ids["81"]
    assert sent == sorted(sent) and len(set(sent)) == len(sent), "in the order they were queued, each once"
    assert "81" not in second.sender.ids


async def has_sent(worker: Worker, chat: str) -> bool:
    return bool(texts_to(worker, chat))


async def has_count(worker: Worker, chat: str, count: int) -> bool:
    return len(texts_to(worker, chat)) >= count


async def leads(worker: Worker) -> bool:
    return worker.leadership.leading


async def follows(worker: Worker) -> bool:
    return not worker.leadership.leading


async def kill_connection_of(worker: Worker) -> None:
    async with worker.database.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
                " AND granted"
            )
        )
        await conn.commit()


async def test_a_reply_queued_by_any_worker_goes_before_the_notices_the_sender_is_sending(
    workers: list[Worker],
) -> None:
    first, second = workers
    notices = [Outgoing(Address("telegram", str(5000 + n)), f"notice {n}") for n in range(NOTICES)]
    async with UnitOfWork(first.database) as uow:
        await post(uow, notices, priority=BULK)  # as an answers import does
        await uow.commit()
    await eventually(lambda: has_total(first, 20))

    queued_after = 0

    def committed() -> None:
        nonlocal queued_after
        queued_after = len(first.sender.sent)

    await second.write("91", 1, "/start", committed)
    await eventually(lambda: has_sent(first, "91"))
    position = next(i for i, m in enumerate(first.sender.sent) if m.to.chat_id == "91")
    # Without priorities it would wait behind the 32 notices in hand; with them it takes one of the next free
    # slots (a few notices go meanwhile: the notification, the chat's query and its claim take round trips —
    # about 10 on an idle machine, 20 seen on a loaded one).
    assert position - queued_after < IN_HAND, "the reply went before the notices in hand"
    assert position < NOTICES // 2, "while the notices were still going out"
    await eventually(lambda: has_total(first, NOTICES + 1), timeout=30)


async def has_total(worker: Worker, count: int) -> bool:
    return len(worker.sender.sent) >= count
