"""Intake benchmark: N scripted citizens send a full proposal, all at once, through a real runner.

Run from the repository root::

    .venv/bin/python -m bench.intake_bench --citizens 200 --framework both [--database sqlite|postgres]

Each run starts a fresh database (a temp SQLite file, or a new PostgreSQL database that is dropped
afterwards), the fake Bot API server (tests/e2e/fake_bot_api.py) on 127.0.0.1 and the bot in a child
process, so that the bot and the harness (the fake server plus N scripted citizens) each have their own
core and the bot's RSS and CPU are its own. Citizens follow tests/e2e/citizen_script.full_proposal
with no think time: each waits for the bot's answer and acts again at once (a closed loop).

The ceiling is a bare aiogram echo bot on the same fake with the same citizens and the same round
trips: every message or button press gets one fixed text with one button.

Reply latency runs from just before a citizen's update is enqueued at the fake to the moment the
bot's first message to that citizen after it lands in the fake's inbox for that chat.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import math
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import asdict, astuple, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from tests.e2e.citizen_script import CONTRIBUTION, PROBLEM, SOLUTION, full_proposal
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser, FloodLimits, Received

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
TOKEN: Final = "123456:BENCH-TOKEN"
ECHO: Final = "echo"
FRAMEWORK_CHOICES: Final = ("aiogram", "ptb", "both")
POSTGRES_ADMIN_DSN: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL: Final = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
#: The benchmark measures our bot, not Telegram's flood control.
MODERATORS_GROUP: Final = -1001234567890
NO_FLOOD_LIMITS: Final = FloodLimits(global_per_second=1e9, per_chat_per_second=1e9, per_group_per_minute=1e9)
FIRST_CITIZEN_ID: Final = 100_000
WARM_UP_USER_ID: Final = 1
REPLY_TIMEOUT: Final = 300.0  # one citizen waiting this long for one answer is a failure
START_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 30.0

ECHO_TEXT: Final = "Eco"
ECHO_BUTTON: Final = "Siguiente"
#: The round trips of citizen_script.full_proposal: text to send, or None to press the button.
ECHO_SCRIPT: Final[tuple[str | None, ...]] = (
    "/start",  # the notice at once: the app says Spanish
    None,  # consent
    None,
    None,
    None,  # three profile questions
    None,
    None,  # axis, pillar
    PROBLEM,
    SOLUTION,
    CONTRIBUTION,  # then the review
    None,  # send
)


# --------------------------------------------------------------------------- citizens and timing


Item = TypeVar("Item")


class StampedInbox(list[Item]):
    """A chat's inbox that notes when each bot message arrived and wakes its one reader."""

    def __init__(self, existing: Sequence[Item]) -> None:
        super().__init__(existing)
        self.stamps = [time.perf_counter()] * len(existing)
        self._arrived = asyncio.Event()

    def append(self, item: Item, /) -> None:
        super().append(item)
        self.stamps.append(time.perf_counter())
        self._arrived.set()

    async def wait_longer_than(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self) <= count:
                self._arrived.clear()
                await self._arrived.wait()


@dataclass
class Timing:
    """What the citizens of one run measured."""

    updates: int = 0
    latencies: list[float] = field(default_factory=list)


class TimedUser:
    """A FakeUser that times each update to the bot's first answer.

    It waits on its own inbox instead of the fake's shared condition, so a thousand
    waiting citizens are not all woken by every message the bot sends.
    """

    def __init__(self, user: FakeUser, timing: Timing) -> None:
        self._user = user
        self._timing = timing
        self._inbox: StampedInbox[Received] = StampedInbox(user.inbox)
        user.inbox = self._inbox
        self._read = len(self._inbox)
        self._sent_at: float | None = None

    @property
    def user_id(self) -> int:
        return self._user.user_id

    @property
    def received(self) -> list[Received]:
        return self._inbox

    @property
    def app_language(self) -> str:
        return self._user.app_language

    async def send(self, text: str) -> int:
        self._mark_sent()
        return await self._user.send(text)

    async def press(self, label: str) -> int:
        self._mark_sent()
        return await self._user.press(label)

    async def expect(self, contains: str | None = None) -> Received:
        try:
            await self._inbox.wait_longer_than(self._read, REPLY_TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"{self._user.describe()}: no answer within {REPLY_TIMEOUT:.0f} s") from None
        if self._sent_at is not None:
            self._timing.latencies.append(self._inbox.stamps[self._read] - self._sent_at)
            self._sent_at = None
        self._read += 1
        return await self._user.expect(contains, timeout=1.0)  # already there: returns at once

    def _mark_sent(self) -> None:
        self._timing.updates += 1
        self._sent_at = time.perf_counter()


async def intake_citizen(user: TimedUser) -> str:
    """The e2e citizen script; returns the tracking code."""
    return await full_proposal(cast(FakeUser, user))  # it only reads app_language and calls send, press, expect


async def echo_citizen(user: TimedUser) -> str:
    """The same round trips against the echo bot."""
    for text in ECHO_SCRIPT:
        await (user.send(text) if text is not None else user.press(ECHO_BUTTON))
        await user.expect(ECHO_TEXT)
    return f"echo-{user.user_id}"


Citizen = Callable[[TimedUser], Coroutine[None, None, str]]


@dataclass
class Drive:
    """The outcome of driving the citizens of one run."""

    wall: float
    timing: Timing
    codes: list[str]
    errors: list[BaseException]
    timed_out: bool
    messages: int = 0
    """Bot messages the citizens received."""


async def drive_citizens(fake: FakeBotApi, citizen: Citizen, count: int, timeout: float) -> Drive:  # noqa: ASYNC109
    """Start ``count`` citizens at once and wait for all of them (or the timeout)."""
    timing = Timing()
    users = [TimedUser(fake.user(FIRST_CITIZEN_ID + n, f"Ciudadana {n}"), timing) for n in range(count)]
    started = time.perf_counter()
    tasks = [asyncio.create_task(citizen(user)) for user in users]
    done, pending = await asyncio.wait(tasks, timeout=max(timeout, 0.001))
    wall = time.perf_counter() - started
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    finished = [task for task in done if task.exception() is None]
    errors = [error for task in done if (error := task.exception()) is not None]
    received = sum(len(user.received) for user in users)
    return Drive(wall, timing, [task.result() for task in finished], errors, bool(pending), received)


# --------------------------------------------------------------------------- the bot process


class EchoRunner:
    """The ceiling: stock aiogram polling, one handler answering everything with a text and a button."""

    def __init__(self, api_url: str) -> None:
        from aiogram import Bot, Dispatcher
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer
        from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=ECHO_BUTTON, callback_data="next")]]
        )
        self.bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
        self.dispatcher = Dispatcher()

        async def on_message(message: Message) -> None:
            await message.answer(ECHO_TEXT, reply_markup=keyboard)

        async def on_callback(query: CallbackQuery) -> None:
            await query.answer()
            await self.bot.send_message(query.from_user.id, ECHO_TEXT, reply_markup=keyboard)

        self.dispatcher.message.register(on_message)
        self.dispatcher.callback_query.register(on_callback)

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        await self.dispatcher.start_polling(self.bot, handle_signals=handle_signals, polling_timeout=25)

    async def stop_polling(self) -> None:
        await self.dispatcher.stop_polling()


ENGINE_WORK: ContextVar[bool] = ContextVar("cocrea_bench_engine_work", default=False)
"""Set while the engine processes an update: what the database does then is the engine's, the rest (the
replies' claims and records, the drainer) is the sender's. Tasks the engine starts to send replies are
created after it is reset, so they count as sending."""
MARK: Final = b"mark\n"


@dataclass
class Tally:
    """What the bot asked of the database, split between the engine and the sender: statements (BEGIN not
    counted), transactions, and hand-offs to aiosqlite's worker thread (each one a round trip through the
    event loop). Counted by SQLAlchemy and aiosqlite hooks installed by the benchmark's child only."""

    updates: int = 0
    engine_statements: int = 0
    sender_statements: int = 0
    engine_transactions: int = 0
    sender_transactions: int = 0
    engine_hops: int = 0
    sender_hops: int = 0

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine as SyncEngine

        event.listen(SyncEngine, "before_cursor_execute", self._statement)
        event.listen(SyncEngine, "begin", self._begin)
        self._count_updates()
        self._count_hops()
        self._count_alone()

    def _statement(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip()[:5].upper() == "BEGIN":
            return
        if ENGINE_WORK.get():
            self.engine_statements += 1
        else:
            self.sender_statements += 1

    def _begin(self, _conn: object) -> None:
        if ENGINE_WORK.get():
            self.engine_transactions += 1
        else:
            self.sender_transactions += 1

    def _count_updates(self) -> None:
        from handlers.engine import Claim, Engine
        from handlers.messages import Address, Incoming

        processing = Engine._process
        tally = self

        async def counted(
            engine: Engine, incoming: Incoming, must_record: bool, claim: Claim | None
        ) -> list[tuple[int, Address]]:
            tally.updates += 1
            token = ENGINE_WORK.set(True)
            try:
                return await processing(engine, incoming, must_record, claim)
            finally:
                ENGINE_WORK.reset(token)

        Engine._process = counted  # type: ignore[method-assign,assignment]

    def _count_hops(self) -> None:
        import aiosqlite

        execute: Any = aiosqlite.Connection._execute  # untyped in aiosqlite
        tally = self

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            if ENGINE_WORK.get():
                tally.engine_hops += 1
            else:
                tally.sender_hops += 1
            return await execute(connection, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign,assignment]

    def _count_alone(self) -> None:
        """``Database.alone``'s statements run outside SQLAlchemy (its listeners hear them): each one a transaction."""
        from storage.database import Database

        alone = Database.alone
        tally = self

        async def counted(database: Database, sql: str, parameters: tuple[Any, ...]) -> bool:
            ran = await alone(database, sql, parameters)
            if ran and ENGINE_WORK.get():
                tally.engine_transactions += 1
            elif ran:
                tally.sender_transactions += 1
            return ran

        Database.alone = counted  # type: ignore[method-assign,assignment]

    def since(self, earlier: Tally) -> Tally:
        return Tally(*(now - then for now, then in zip(astuple(self), astuple(earlier), strict=True)))


class Marks:
    """The parent marks the start and the end of the drive on the child's stdin; the child counts between
    the two (the warm-up and the shutdown left out) and, with ``--profile``, profiles between them."""

    def __init__(self, tally: Tally | None, profile: str | None) -> None:
        self.tally = tally
        self._profile = profile
        self._profiler: cProfile.Profile | None = None
        self._marks: list[Tally] = []

    def mark(self) -> None:
        if self.tally is not None:
            self._marks.append(replace(self.tally))
        if self._profile and self._profiler is None:
            self._profiler = cProfile.Profile(time.thread_time)  # the loop's CPU, not its waits
            self._profiler.enable()
        elif self._profiler is not None and self._profile:
            self._profiler.disable()
            self._profiler.dump_stats(self._profile)
            self._profile = None
        print("marked", flush=True)

    def counted(self) -> dict[str, int] | None:
        if self.tally is None or len(self._marks) < 2:
            return None
        return asdict(self._marks[1].since(self._marks[0]))


async def until_stdin_closes(marks: Marks | None = None) -> None:
    """Until the parent closes our stdin; the lines it writes meanwhile mark the drive's start and end."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line == MARK and marks is not None:
            marks.mark()


def remove_pacing() -> None:
    """--unpaced: the outbox sender stops keeping Telegram's pace (30 messages/s, 1/s per chat): both the
    paced wait and the window of requests in flight within the last second (a hard bound of its own)."""
    from bot.outbox.pacing import Pacer

    async def no_wait(self: Pacer, chat_id: str, *, group: bool = False, priority: int = 0) -> None:
        return None

    @contextlib.asynccontextmanager
    async def no_turn(self: Pacer, chat_id: str, *, group: bool = False, priority: int = 0) -> AsyncIterator[None]:
        yield

    Pacer.wait_turn = no_wait  # type: ignore[method-assign]
    Pacer.turn = no_turn  # type: ignore[method-assign]


async def serve(
    kind: str, api_url: str, database_url: str, unpaced: bool, profile: str | None = None, *, moderators: bool = False
) -> None:
    """The child process: run one bot until stdin closes, then print its peak RSS and what it asked of the
    database as JSON."""
    from bot.app import App, build_app
    from bot.settings import load_settings
    from bot.telegram.frameworks import Runner, make_runner

    app: App | None = None
    runner: Runner | EchoRunner
    if unpaced:
        remove_pacing()
    tally = Tally() if kind != ECHO else None
    if tally is not None:
        tally.install()
    marks = Marks(tally, profile)
    if kind == ECHO:
        runner = EchoRunner(api_url)
    else:
        environ = {
            "COCREA_BOT_TOKEN": TOKEN,
            "COCREA_TELEGRAM_API_URL": api_url,
            "COCREA_DATABASE_URL": database_url,
            "COCREA_LOG_LEVEL": "WARNING",
            **({"COCREA_MODERATORS_CHAT_ID": str(MODERATORS_GROUP)} if moderators else {}),
        }
        app = await build_app(load_settings(environ, env_file=None))
        runner = make_runner(kind, app)
    polling = asyncio.create_task(runner.run_polling(handle_signals=False))
    stop = asyncio.create_task(until_stdin_closes(marks))
    await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not polling.done():
        await runner.stop_polling()
    await polling  # raises if the runner crashed
    if app is not None:
        await app.close()
    report = {"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "tally": marks.counted()}
    print(json.dumps(report), flush=True)


@dataclass
class BotProcess:
    kind: str
    process: asyncio.subprocess.Process

    @classmethod
    async def start(
        cls,
        kind: str,
        api_url: str,
        database_url: str,
        unpaced: bool,
        profile: str | None = None,
        *,
        moderators: bool = False,
    ) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.intake_bench",
            "--serve",
            kind,
            "--api-url",
            api_url,
            "--database-url",
            database_url,
            *(["--unpaced"] if unpaced else []),
            *(["--profile", profile] if profile else []),
            *(["--moderators"] if moderators else []),
            cwd=REPO_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(kind, process)

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (Linux /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def wait_ready(self, fake: FakeBotApi) -> None:
        """A throw-away user says /start and waits for any answer: the bot is up and polling."""
        user = TimedUser(fake.user(WARM_UP_USER_ID, "Calentamiento"), Timing())
        answered = asyncio.create_task(_answer_to_start(user))
        exited = asyncio.create_task(self.process.wait())
        await asyncio.wait({answered, exited}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not answered.done():
            answered.cancel()
            raise RuntimeError(
                f"the {self.kind} bot did not answer /start within {START_TIMEOUT:.0f} s "
                f"(exit code {self.process.returncode})"
            )
        answered.result()

    async def mark(self) -> None:
        """The drive starts or ends: the child notes its counts (and answers once it has)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(MARK)
        await self.process.stdin.drain()
        await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)

    async def stop(self) -> tuple[int | None, dict[str, int] | None]:
        """Close its stdin, wait for its report: the peak RSS in KiB (None if it failed) and its counts."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            out, _ = await asyncio.wait_for(self.process.communicate(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return None, None
        lines = out.decode(errors="replace").strip().splitlines()
        if self.process.returncode != 0 or not lines:
            return None, None
        report = json.loads(lines[-1])
        return int(report["max_rss_kb"]), report.get("tally")


async def _answer_to_start(user: TimedUser) -> None:
    await user.send("/start")
    await user.expect()


# --------------------------------------------------------------------------- databases


async def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    import asyncpg

    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        return f"no PostgreSQL server at {POSTGRES_ADMIN_DSN} ({type(error).__name__}: {error})"
    await connection.close()
    return None


async def _postgres_admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    """The URL of an empty database that is removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cocrea-bench-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    name = f"cocrea_bench_{os.getpid()}_{secrets.token_hex(4)}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.format(name=name)
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def stored_codes(database_url: str) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text("SELECT code FROM proposals"))).scalars())
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- one run


@dataclass
class RunResult:
    label: str
    database: str
    citizens: int
    drive: Drive
    bot_cpu: float
    harness_cpu: float
    bot_rss_kb: int | None
    tally: dict[str, int] | None
    """What the bot asked of the database during the drive (``Tally``); None for the echo bot."""
    calls: tuple[int, int, int]
    """sendMessage, editMessageText and answerCallbackQuery calls during the drive."""
    check: str
    ok: bool


def harness_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def check_proposals(drive: Drive, citizens: int, database_url: str) -> tuple[bool, str]:
    """Exactly one stored proposal per citizen, with distinct codes, the ones the citizens were told."""
    codes = await stored_codes(database_url)
    problems = []
    if len(codes) != citizens:
        problems.append(f"{len(codes)} proposals stored, expected {citizens}")
    if len(set(codes)) != len(codes):
        problems.append(f"{len(codes) - len(set(codes))} duplicate codes")
    if set(drive.codes) != set(codes):
        problems.append(f"{len(set(drive.codes) ^ set(codes))} codes differ between replies and database")
    return not problems, "; ".join(problems) or "OK"


def check_echo(drive: Drive, citizens: int) -> tuple[bool, str]:
    expected = citizens * len(ECHO_SCRIPT)
    if len(drive.codes) == citizens and len(drive.timing.latencies) == expected:
        return True, "OK"
    return False, f"{len(drive.codes)}/{citizens} citizens done, {len(drive.timing.latencies)}/{expected} answers"


def describe_failures(drive: Drive) -> str:
    parts = []
    if drive.timed_out:
        parts.append(f"TIMEOUT after {drive.wall:.0f} s")
    if drive.errors:
        parts.append(f"{len(drive.errors)} citizens failed (first: {drive.errors[0]})")
    return "; ".join(parts)


async def run_once(
    kind: str,
    database: str,
    citizens: int,
    timeout: float,  # noqa: ASYNC109
    unpaced: bool,
    profile: str | None = None,
    *,
    moderators: bool = False,
) -> RunResult:
    citizen: Citizen = echo_citizen if kind == ECHO else intake_citizen
    async with (
        fresh_database(database) as database_url,
        FakeBotApi(TOKEN, limits=NO_FLOOD_LIMITS, record_requests=False) as fake,
    ):
        with_group = moderators and kind != ECHO
        group = fake.group(MODERATORS_GROUP, "Moderación") if with_group else None
        bot = await BotProcess.start(
            kind, fake.base_url, database_url, unpaced, profile if kind != ECHO else None, moderators=with_group
        )
        try:
            await bot.wait_ready(fake)
            await bot.mark()
            bot_cpu, harness_cpu, calls = bot.cpu_seconds(), harness_cpu_seconds(), telegram_calls(fake)
            drive = await drive_citizens(fake, citizen, citizens, timeout)
            bot_cpu, harness_cpu = bot.cpu_seconds() - bot_cpu, harness_cpu_seconds() - harness_cpu
            await bot.mark()
            sent, edited, answered = telegram_calls(fake)
            calls = (sent - calls[0], edited - calls[1], answered - calls[2])
        except RuntimeError as error:  # the bot never came up
            drive, bot_cpu, harness_cpu, calls = Drive(0.0, Timing(), [], [error], False), 0.0, 0.0, (0, 0, 0)
        finally:
            rss, tally = await bot.stop()
        ok, check = (
            check_echo(drive, citizens) if kind == ECHO else await check_proposals(drive, citizens, database_url)
        )
    failures = describe_failures(drive)
    if failures:
        ok, check = False, f"{failures}; {check}"
    label = f"{kind} (aiogram)" if kind == ECHO else f"{kind} unpaced" if unpaced else kind
    if group is not None:
        label += f" +group ({len(group.inbox)} messages in it)"
    database_label = "-" if kind == ECHO else database
    return RunResult(label, database_label, citizens, drive, bot_cpu, harness_cpu, rss, tally, calls, check, ok)


def telegram_calls(fake: FakeBotApi) -> tuple[int, int, int]:
    """What Telegram counts so far: messages sent, messages edited, button presses answered."""
    return fake.stats.sent_messages, fake.stats.edited_messages, fake.stats.callback_answers


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


HEADER: Final = (
    "run",
    "db",
    "N",
    "wall s",
    "proposals/s",
    "updates/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "bot peak RSS MB",
    "bot CPU %",
    "CPU ms/update",
    "harness CPU %",
    "SQL/update engine+send",
    "tx/update engine+send",
    "thread hops/update",
    "send/edit/answer per proposal",
    "check",
)


def table_row(result: RunResult) -> tuple[str, ...]:
    drive = result.drive
    wall = max(drive.wall, 1e-9)
    latencies = drive.timing.latencies
    rss = "?" if result.bot_rss_kb is None else f"{result.bot_rss_kb / 1024:.0f}"
    return (
        result.label,
        result.database,
        str(result.citizens),
        f"{drive.wall:.1f}",
        f"{len(drive.codes) / wall:.1f}",
        f"{drive.timing.updates / wall:.0f}",
        *(f"{percentile(latencies, p) * 1000:.0f}" for p in (50, 95, 99)),
        rss,
        f"{100 * result.bot_cpu / wall:.0f}",
        f"{1000 * result.bot_cpu / max(drive.timing.updates, 1):.1f}",
        f"{100 * result.harness_cpu / wall:.0f}",
        *database_work(result.tally),
        "/".join(f"{count / max(result.citizens, 1):.1f}" for count in result.calls),
        result.check,
    )


def database_work(tally: dict[str, int] | None) -> tuple[str, str, str]:
    """Statements, transactions and aiosqlite thread hand-offs per update processed, engine + sender."""
    if not tally or not tally["updates"]:
        return "-", "-", "-"
    updates = tally["updates"]

    def split(name: str) -> str:
        engine, sender = tally[f"engine_{name}"] / updates, tally[f"sender_{name}"] / updates
        return f"{engine:.1f}+{sender:.1f}"

    return split("statements"), split("transactions"), split("hops")


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in (HEADER, *rows)) for i in range(len(HEADER))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(HEADER), rule, *(line(row) for row in rows)])


# --------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=200, help="concurrent scripted citizens (default 200)")
    parser.add_argument("--framework", choices=FRAMEWORK_CHOICES, default="aiogram")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration (default 1)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds for the whole benchmark; then it reports what it has and exits 1",
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-bot ceiling")
    parser.add_argument(
        "--moderators",
        action="store_true",
        help="a moderators' group is set: a card per proposal, at the group's pace (20 a minute)",
    )
    parser.add_argument(
        "--unpaced", action="store_true", help="the outbox sender ignores Telegram's pace: measures processing capacity"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the bot process during the drive (pstats file; with --repeat 1)"
    )
    parser.add_argument("--serve", choices=("aiogram", "ptb", ECHO), help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.repeat < 1 or args.timeout <= 0:
        parser.error("--citizens and --repeat must be at least 1 and --timeout positive")
    return args


def planned_runs(framework: str, echo: bool) -> list[str]:
    kinds = ["aiogram", "ptb"] if framework == "both" else [framework]
    return [*kinds, ECHO] if echo else kinds


async def benchmark(args: argparse.Namespace) -> int:
    if args.database == "postgres" and (problem := await postgres_problem()):
        print(f"PostgreSQL benchmark skipped: {problem}")
        return 0
    deadline = time.monotonic() + args.timeout
    rows: list[tuple[str, ...]] = []
    status = 0
    for kind in planned_runs(args.framework, not args.no_echo) * args.repeat:
        if time.monotonic() >= deadline:
            print(f"timeout ({args.timeout:.0f} s) reached: {kind} not run", file=sys.stderr)
            status = 1
            break
        print(f"running {kind}: {args.citizens} citizens on {args.database}...", file=sys.stderr, flush=True)
        result = await run_once(
            kind,
            args.database,
            args.citizens,
            deadline - time.monotonic(),
            args.unpaced,
            args.profile,
            moderators=args.moderators,
        )
        rows.append(table_row(result))
        status = status or (0 if result.ok else 1)
        if result.drive.timed_out:
            print(f"timeout ({args.timeout:.0f} s) reached: remaining runs skipped", file=sys.stderr)
            break
    print(markdown_table(rows))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.serve:
        asyncio.run(
            serve(args.serve, args.api_url, args.database_url, args.unpaced, args.profile, moderators=args.moderators)
        )
        return 0
    return asyncio.run(benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
