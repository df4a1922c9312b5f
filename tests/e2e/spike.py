"""A campaign spike against several ``cocrea run`` workers on PostgreSQL, with a worker killed now and then.

Shared by the CI test (``tests/e2e/test_workers.py``, short) and the benchmark
(``bench/spike_bench.py``, long). The pieces, all on 127.0.0.1:

* the fake Bot API pushing updates as Telegram does (``telegram_push.PushingBotApi``: up to 40 at once,
  a chat's one at a time, retried on anything but a 2xx), with Telegram's flood limits (30 messages a
  second in all, one a second per chat);
* a round-robin balancer in front of the workers (``balancer.RoundRobin``), as in front of machines;
* N real ``cocrea run`` processes, each listening on a port of its own, all on one PostgreSQL database;
* scripted citizens (``citizen_script.full_proposal``) arriving within ``arrive_within`` seconds and
  taking ``think`` seconds per step, each with a problem text of their own;
* chaos: every ``kill_every`` seconds a random worker is killed with SIGKILL and started again.

Then it checks what was promised: every proposal stored exactly once with its content, every owed reply
delivered in its chat's order (a citizen's script fails on a missing or misplaced one; a message sent
twice in a row — the documented duplicate of a sender killed between Telegram's answer and its own
bookkeeping — is counted, not failed), the send rate within the limits and no 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import signal
import sys
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from bot.workers import die_with_parent
from storage.database import open_database, upgrade
from tests.e2e.balancer import RoundRobin
from tests.e2e.citizen_script import PROBLEM, full_proposal
from tests.e2e.fake_bot_api import FakeUser, FloodLimits, Received
from tests.e2e.telegram_push import PushingBotApi

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:SPIKE-TOKEN"
SECRET = "spike-secret_0123456789"
HOOK_PATH = "/tg/hook"
TELEGRAM_LIMITS = FloodLimits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20, window_seconds=1)
LEADS = "this process sends the outbox now"
FIRST_CITIZEN = 700_000


@dataclass(frozen=True)
class Spike:
    workers: int = 3
    citizens: int = 24
    arrive_within: float = 8.0
    think: tuple[float, float] = (0.2, 0.8)
    kill_every: float | None = 4.0
    framework: str = "ptb"
    reply_timeout: float = 60.0
    seed: int = 13


@dataclass
class Outcome:
    spike: Spike
    wall: float = 0.0
    finished: int = 0
    failures: list[str] = field(default_factory=list)
    stored: int = 0
    wrong: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    sends: int = 0
    busiest_second: int = 0
    busiest_chat_second: int = 0
    send_rate: float = 0.0
    floods: int = 0
    duplicates: int = 0
    most_resent_to_a_chat: int = 0
    kills: int = 0
    sender_kills: int = 0
    takeovers: int = 0
    webhook_retries: int = 0
    pending_left: int = 0

    @property
    def proposals_per_second(self) -> float:
        return self.finished / self.wall if self.wall else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]

    def problems(self) -> list[str]:
        """What broke a promise (empty: every promise kept)."""
        found = list(self.failures[:5]) + self.wrong[:5]
        if self.finished != self.spike.citizens:
            found.append(f"{self.spike.citizens - self.finished} citizens did not get their tracking code")
        if self.stored != self.finished:
            found.append(f"{self.stored} proposals stored for {self.finished} citizens")
        if self.floods:
            found.append(f"{self.floods} × 429 Too Many Requests")
        if self.busiest_second > TELEGRAM_LIMITS.global_per_second:
            found.append(f"{self.busiest_second} messages in one second")
        if self.busiest_chat_second > TELEGRAM_LIMITS.per_chat_per_second:
            found.append(f"{self.busiest_chat_second} messages to one chat in one second")
        if self.pending_left:
            found.append(f"{self.pending_left} messages still owed in the outbox")
        return found


class Worker:
    """One ``cocrea run`` process (a machine behind the balancer); its log is read as it goes."""

    def __init__(self, index: int, port: int, env: dict[str, str], framework: str, log_dir: Path) -> None:
        self.index = index
        self.port = port
        self.env = env
        self.framework = framework
        self.log = log_dir / f"worker-{index}.log"
        self.leading = False
        self.lines: deque[str] = deque(maxlen=200)
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self.on_lead: list[Worker] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--framework",
            self.framework,
            cwd=REPO,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=die_with_parent,  # a harness that is killed leaves no worker behind
        )
        self._reader = asyncio.create_task(self._read(self.process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"--- started, pid {process.pid}\n")
            async for raw in process.stderr:
                line = raw.decode(errors="replace").rstrip()
                self.lines.append(line)
                log.write(line + "\n")
                if LEADS in line:
                    for other in self.on_lead:
                        other.leading = False
                    self.leading = True
                elif "stops sending the outbox" in line:
                    self.leading = False

    async def listening(self) -> bool:
        if self.process is None or self.process.returncode is not None:
            tail = "\n".join(self.lines)
            raise AssertionError(f"worker {self.index} exited ({self.process and self.process.returncode}):\n{tail}")
        try:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.port}/") as answer:
                return answer.status > 0
        except aiohttp.ClientError:
            return False

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        self.leading = False
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            await self._reader


class Citizen:
    """A scripted person (``citizen_script.User``) who thinks between steps, notes how long each answer took
    and takes a message that comes twice in a row (a resend after a crash) once."""

    def __init__(self, user: FakeUser, fake: PushingBotApi, outcome: Outcome, rng: random.Random) -> None:
        self.user = user
        self._fake = fake
        self._outcome = outcome
        self._rng = rng
        self._seen = 0
        self._acted: float | None = None
        self._last: Received | None = None
        self.resent = 0

    @property
    def app_language(self) -> str:
        return self.user.app_language

    async def _think_then_act(self) -> None:
        low, high = self._outcome.spike.think
        await asyncio.sleep(self._rng.uniform(low, high))  # a person reading and typing, not a wait for the bot
        self._acted = time.monotonic()

    async def send(self, text: str) -> Any:
        await self._think_then_act()
        return await self.user.send(text)

    async def send_sticker(self) -> Any:
        await self._think_then_act()
        return await self.user.send_sticker()

    async def press(self, label: str) -> Any:
        await self._think_then_act()
        return await self.user.press(label)

    async def expect(self, contains: str | None = None) -> Received:
        inbox = self.user.inbox
        while True:
            if not await self._fake.wait_until(lambda: len(inbox) > self._seen, self._outcome.spike.reply_timeout):
                last = self._last.describe() if self._last else "nothing"
                raise AssertionError(f"chat {self.user.chat_id}: no answer (the last one: {last})")
            received, arrived = inbox[self._seen], self._fake.sent_at[self.user.chat_id][self._seen]
            self._seen += 1
            if self._last is not None and (received.text, received.buttons) == (self._last.text, self._last.buttons):
                self._outcome.duplicates += 1
                self.resent += 1
                self._outcome.most_resent_to_a_chat = max(self._outcome.most_resent_to_a_chat, self.resent)
                continue
            break
        if self._acted is not None:
            self._outcome.latencies.append(arrived - self._acted)
            self._acted = None
        self._last = received
        if contains is not None and contains not in (received.text or ""):
            raise AssertionError(f"chat {self.user.chat_id}: expected {contains!r}, got {received.describe()}")
        return received

    async def expect_silence(self) -> None:
        return None


def problem_of(n: int) -> str:
    return f"{PROBLEM} Caso {n}."


async def run_spike(spike: Spike, database_url: str, work_dir: Path) -> Outcome:
    """Everything above, on the empty PostgreSQL database at ``database_url``; returns what happened."""
    outcome = Outcome(spike)
    database = open_database(database_url)
    try:
        await upgrade(database)  # once, before the workers start (as `cocrea run --workers N` does)
    finally:
        await database.dispose()
    rng = random.Random(spike.seed)
    ports = [_free_port() for _ in range(spike.workers)]
    async with (
        PushingBotApi(TOKEN, TELEGRAM_LIMITS, webhook_backoff=(0.1, 2.0), webhook_timeout=30.0) as fake,
        RoundRobin(ports) as balancer,
    ):
        env = _environment(fake, database_url, balancer.port, work_dir)
        workers = [
            Worker(i, port, {**env, "COCREA_WEBHOOK_PORT": str(port)}, spike.framework, work_dir)
            for i, port in enumerate(ports)
        ]
        for worker in workers:
            worker.on_lead = [other for other in workers if other is not worker]
        try:
            await asyncio.gather(*(worker.start() for worker in workers))
            await _until(lambda: _all_listening(workers), 120)
            await _until(lambda: _has_webhook(fake), 60)
            stop_chaos = asyncio.Event()
            chaos = asyncio.create_task(_chaos(workers, spike, outcome, rng, stop_chaos))
            started = time.monotonic()
            citizens = [
                Citizen(fake.user(FIRST_CITIZEN + n, f"C{n}"), fake, outcome, random.Random(spike.seed * 1000 + n))
                for n in range(spike.citizens)
            ]
            codes = await asyncio.gather(
                *(
                    _one(citizen, n, spike.arrive_within * n / max(spike.citizens, 1), outcome)
                    for n, citizen in enumerate(citizens)
                )
            )
            outcome.wall = time.monotonic() - started
            stop_chaos.set()
            await chaos
            outcome.finished = sum(code is not None for code in codes)
            with contextlib.suppress(AssertionError):  # what is said after the tracking code is still going out
                await _until(lambda: _nothing_owed(database_url), 60)
            await _check_database(database_url, codes, outcome)
        finally:
            await asyncio.gather(*(worker.stop() for worker in workers), return_exceptions=True)
        outcome.takeovers = sum(
            line.count(LEADS) for worker in workers for line in worker.log.read_text(encoding="utf-8").splitlines()
        )
        _measure_sending(fake, outcome)
    return outcome


async def _one(citizen: Citizen, n: int, delay: float, outcome: Outcome) -> str | None:
    await asyncio.sleep(delay)  # arrivals spread over the first seconds of the spike
    try:
        return await full_proposal(citizen, problem_of(n))
    except AssertionError as error:
        outcome.failures.append(str(error))
        return None


async def _chaos(
    workers: Sequence[Worker], spike: Spike, outcome: Outcome, rng: random.Random, stop: asyncio.Event
) -> None:
    if spike.kill_every is None:
        return
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), spike.kill_every)
        if stop.is_set():
            return
        victim = rng.choice(list(workers))
        outcome.kills += 1
        outcome.sender_kills += victim.leading
        await victim.kill()
        await victim.start()


async def _nothing_owed(database_url: str) -> bool:
    connection = await _connect(database_url)
    try:
        return not await connection.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'")
    finally:
        await connection.close()


async def _check_database(database_url: str, codes: Sequence[str | None], outcome: Outcome) -> None:
    connection = await _connect(database_url)
    try:
        rows = await connection.fetch("SELECT code, problem FROM proposals")
        outcome.pending_left = int(await connection.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'"))
    finally:
        await connection.close()
    outcome.stored = len(rows)
    by_code: dict[str, list[str]] = {}
    for row in rows:
        by_code.setdefault(row["code"], []).append(row["problem"])
    for n, code in enumerate(codes):
        if code is not None and by_code.get(code) != [problem_of(n)]:
            outcome.wrong.append(f"citizen {n}: code {code} holds {by_code.get(code)!r}")
    problems = [row["problem"] for row in rows]
    twice = {problem for problem in problems if problems.count(problem) > 1}
    outcome.wrong.extend(f"stored more than once: {problem!r}" for problem in sorted(twice))


def _measure_sending(fake: PushingBotApi, outcome: Outcome) -> None:
    times = fake.send_times
    outcome.sends = len(times)
    outcome.busiest_second = most_in_a_second(times)
    outcome.busiest_chat_second = max((most_in_a_second(sorted(t)) for t in fake.sent_at.values()), default=0)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    outcome.send_rate = len(times) / span if span else 0.0
    outcome.floods = fake.stats.flood_429
    outcome.webhook_retries = fake.stats.webhook_failures


def most_in_a_second(times: Sequence[float]) -> int:
    """The most messages in any window of one second (a message exactly one second later is outside)."""
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def _environment(fake: PushingBotApi, database_url: str, balancer_port: int, work_dir: Path) -> dict[str, str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COCREA_")}
    return {
        **clean,
        "PYTHONPATH": str(REPO),
        "COCREA_BOT_TOKEN": fake.token,
        "COCREA_TELEGRAM_API_URL": fake.base_url,
        "COCREA_DATABASE_URL": database_url,
        "COCREA_WEBHOOK_URL": f"http://127.0.0.1:{balancer_port}{HOOK_PATH}",
        "COCREA_WEBHOOK_SECRET": SECRET,
        "COCREA_WEBHOOK_HOST": "127.0.0.1",
        "COCREA_SEND_CHAT_BURST": "1",  # the fake allows one message a second per chat, no burst
        "COCREA_DATA_DIR": str(work_dir / "data"),
        "COCREA_LOG_LEVEL": "INFO",
    }


async def _all_listening(workers: Sequence[Worker]) -> bool:
    return all(await asyncio.gather(*(worker.listening() for worker in workers)))


async def _has_webhook(fake: PushingBotApi) -> bool:
    return bool(fake.webhook_url)


async def _until(check: Any, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout} s: {check}")
        await asyncio.sleep(0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _connect(database_url: str) -> Any:
    url = make_url(database_url)
    return await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database,
    )


async def create_database(base_url: str) -> str:
    """A new, empty database beside ``base_url``'s (dropped by ``drop_database``); its URL."""
    name = f"cocrea_spike_{uuid.uuid4().hex[:10]}"
    admin = await _connect(make_url(base_url).set(database="postgres").render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = await _connect(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
