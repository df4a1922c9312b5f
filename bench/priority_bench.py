"""Replies first, measured: citizens writing while an answers import's notices are going out.

Run from the repository root::

    .venv/bin/python -m bench.priority_bench [--notices 1000] [--citizens 20] [--database postgres|sqlite]

In one process: the outbox sender at Telegram's pace (30 messages a second, kept 10 % under) with a
sender that only notes the time (no HTTP), ``--notices`` bulk notices queued at once (as an answers
import queues them), then ``--citizens`` people each writing every ``--every`` seconds for
``--seconds`` seconds, through the real engine. Each row reports the citizens' reply latency (from the
update to its answer leaving) and the notices' rate while the citizens wrote and overall. The row
"off" queues the notices as replies, which is how the outbox behaved before it had priorities.
On PostgreSQL the sender is the one sending worker (bot/outbox/dispatch.py); on SQLite the engine's
replies go inline, as a lone process sends them.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.outbox.delivery import Delivery
from bot.outbox.leader import Leadership
from bot.outbox.pacing import Pacer
from config.consultation import load_consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.messages import Address, Incoming, Outgoing, Sent
from handlers.outbox import BULK, REPLY, post
from handlers.services import Services
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWorkFactory
from tests.e2e.spike import create_database, drop_database

FIRST_AUTHOR = 500_000
FIRST_CITIZEN = 900_000


@dataclass
class TimingSender:
    """Notes when each message left, per chat; sends nothing."""

    sent: dict[str, list[float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        self.sent.setdefault(message.to.chat_id, []).append(time.monotonic())
        self.changed.set()
        return Sent(reference)


@dataclass
class Row:
    mode: str
    database: str
    notices: int
    replies: list[float]
    notices_while: float
    notices_rate: float
    notices_done: float

    def cells(self) -> tuple[str, ...]:
        ordered = sorted(self.replies)

        def at(fraction: float) -> str:
            if not ordered:
                return "-"
            return f"{ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)] * 1000:.0f}"

        return (
            self.mode,
            self.database,
            str(self.notices),
            str(len(ordered)),
            at(0.5),
            at(0.95),
            f"{self.notices_while:.1f}",
            f"{self.notices_rate:.1f}",
            f"{self.notices_done:.1f}",
        )


COLUMNS = (
    "priorities",
    "db",
    "notices",
    "replies",
    "reply p50 ms",
    "reply p95 ms",
    "notices/s while citizens wrote",
    "notices/s overall",
    "notices done s",
)


async def run(args: argparse.Namespace, priorities: bool, database_url: str) -> Row:
    database = open_database(database_url)
    await upgrade(database)
    try:
        return await _measure(args, priorities, database)
    finally:
        await database.dispose()


async def _measure(args: argparse.Namespace, priorities: bool, database: Database) -> Row:
    services = Services(UnitOfWorkFactory(database), load_consultation("quito-2024"), Catalogs())
    sender = TimingSender()
    delivery = Delivery(services.uow, sender, "telegram", pacer=Pacer(), poll_seconds=1.0)
    leadership = None if database.is_sqlite else Leadership(database)
    if leadership is not None:
        delivery.share(leadership)
        await leadership.try_once()
    stopping = asyncio.Event()
    notices = [Outgoing(Address("telegram", str(FIRST_AUTHOR + n)), f"Respuesta {n}") for n in range(args.notices)]
    async with services.uow() as uow:
        await post(uow, notices, priority=BULK if priorities else REPLY)
        await uow.commit()
    started = time.monotonic()
    tasks = [asyncio.create_task(delivery.run(stopping))]
    if leadership is not None:
        tasks.append(asyncio.create_task(leadership.run(stopping)))
    engine = Engine(services)
    latencies: list[float] = []
    await asyncio.sleep(1.0)  # the notices are going out
    citizens_from = time.monotonic()
    await asyncio.gather(*(_citizen(engine, delivery, sender, n, args, latencies) for n in range(args.citizens)))
    citizens_until = time.monotonic()
    while _notices_sent(sender) < args.notices:
        sender.changed.clear()
        await asyncio.wait_for(sender.changed.wait(), 60)
    done = time.monotonic() - started
    stopping.set()
    delivery.wake()
    await asyncio.gather(*tasks)
    moments = [t for chat, times in sender.sent.items() if int(chat) < FIRST_CITIZEN for t in times]
    while_writing = sum(citizens_from <= t <= citizens_until for t in moments) / (citizens_until - citizens_from)
    return Row(
        "on" if priorities else "off",
        "sqlite" if database.is_sqlite else "postgres",
        args.notices,
        latencies,
        while_writing,
        args.notices / done,
        done,
    )


def _notices_sent(sender: TimingSender) -> int:
    return sum(len(times) for chat, times in sender.sent.items() if int(chat) < FIRST_CITIZEN)


async def _citizen(
    engine: Engine, delivery: Delivery, sender: TimingSender, n: int, args: argparse.Namespace, latencies: list[float]
) -> None:
    chat = str(FIRST_CITIZEN + n)
    await asyncio.sleep(args.every * n / args.citizens)  # spread over the first period
    deadline = time.monotonic() + args.seconds
    step = 0
    while time.monotonic() < deadline:
        before = len(sender.sent.get(chat, []))
        asked = time.monotonic()
        incoming = Incoming(
            event_id=f"{chat}-{step}",
            channel="telegram",
            chat_id=chat,
            user_id=chat,
            language_hint="es",
            content_type="command",
            text="/start" if step == 0 else "/help",
        )
        await engine.handle(incoming, delivery.deliver)
        while len(sender.sent.get(chat, [])) <= before:
            sender.changed.clear()
            await asyncio.wait_for(sender.changed.wait(), 120)
        latencies.append(sender.sent[chat][before] - asked)
        step += 1
        await asyncio.sleep(max(0.0, args.every - (time.monotonic() - asked)))  # a person writing again


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row.cells()) + " |" for row in rows])


async def benchmark(args: argparse.Namespace) -> int:
    rows: list[Row] = []
    for priorities in (True, False):
        if args.database == "postgres":
            url = await create_database(args.postgres)
            try:
                rows.append(await run(args, priorities, url))
            finally:
                await drop_database(url)
        else:
            with tempfile.TemporaryDirectory() as folder:
                rows.append(await run(args, priorities, f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"))
        print(markdown(rows[-1:]), file=sys.stderr, flush=True)
    print(markdown(rows))
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.priority_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between a citizen's messages")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the citizens write")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(benchmark(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
