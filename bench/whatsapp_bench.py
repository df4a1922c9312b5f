"""Intake benchmark through WhatsApp, with the same run on Telegram beside it.

Run from the repository root::

    .venv/bin/python -m bench.whatsapp_bench --citizens 200 [--database sqlite|postgres] [--pair-limit] [--no-telegram]

N scripted citizens send a full proposal at once (tests/e2e/citizen_script.full_proposal, no think
time) through the real WhatsApp runner, in a child process, against the fake Cloud API server
(tests/e2e/fake_whatsapp.py) with its throughput limit on: 80 messages/s per number, as Meta's default
(``--pair-limit`` also applies Meta's per-person rate: one message per 6 s, bursts of 45). The fake
posts webhooks signed and concurrently (as Meta does), retrying any answer but 200. Then the same N
citizens on Telegram (bench/intake_bench.py, aiogram, paced at Telegram's limits).

Reply latency runs from just before a citizen's message is queued at the fake to the moment the bot's
first message to that citizen after it lands in the fake. *Messages per proposal* counts what the
citizens received: on WhatsApp a long text before its buttons is two messages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import resource
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, cast

from bench.intake_bench import (
    REPLY_TIMEOUT,
    REPO_ROOT,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Drive,
    StampedInbox,
    Timing,
    check_proposals,
    describe_failures,
    fresh_database,
    harness_cpu_seconds,
    percentile,
    postgres_problem,
    run_once,
    until_stdin_closes,
)
from tests.e2e.citizen_script import User, full_proposal
from tests.e2e.fake_whatsapp import Delivered, FakeWhatsApp, FakeWhatsAppUser, ThroughputLimits
from tests.e2e.whatsapp_citizen import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, Read, WhatsAppCitizen

WEBHOOK_CONCURRENCY: Final = 50
FIRST_NUMBER: Final = 593_990_000_000


# --------------------------------------------------------------------------- timed citizens


class TimedCitizen(WhatsAppCitizen):
    """A WhatsApp citizen that times each message to the bot's first answer, waiting on its own inbox."""

    def __init__(self, user: FakeWhatsAppUser, timing: Timing) -> None:
        super().__init__(user)
        self._timing = timing
        self._inbox: StampedInbox[Delivered] = StampedInbox(user.inbox)
        user.inbox = self._inbox
        self._read = 0
        self._sent_at: float | None = None

    async def send(self, text: str) -> str:
        self._mark_sent()
        return await super().send(text)

    async def press(self, label: str) -> str:
        self._mark_sent()
        return await super().press(label)

    async def expect(self, contains: str | None = None) -> Read:
        try:
            await self._inbox.wait_longer_than(self._read, REPLY_TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"{self.user.describe()}: no answer within {REPLY_TIMEOUT:.0f} s") from None
        if self._sent_at is not None:
            self._timing.latencies.append(self._inbox.stamps[self._read] - self._sent_at)
            self._sent_at = None
        message = await super().expect(contains)
        self._read += len(message.parts)
        return message

    def _mark_sent(self) -> None:
        self._timing.updates += 1
        self._sent_at = time.perf_counter()


async def drive(fake: FakeWhatsApp, count: int, timeout: float) -> Drive:  # noqa: ASYNC109
    timing = Timing()
    citizens = [TimedCitizen(fake.user(str(FIRST_NUMBER + n), f"Ciudadana {n}"), timing) for n in range(count)]
    started = time.perf_counter()
    tasks = [asyncio.create_task(full_proposal(cast(User, citizen))) for citizen in citizens]
    done, pending = await asyncio.wait(tasks, timeout=max(timeout, 0.001))
    wall = time.perf_counter() - started
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    codes = [task.result() for task in done if task.exception() is None]
    errors = [error for task in done if (error := task.exception()) is not None]
    received = sum(len(citizen.user.inbox) for citizen in citizens)
    return Drive(wall, timing, codes, errors, bool(pending), received)


# --------------------------------------------------------------------------- the bot process


async def serve(api_url: str, database_url: str, port: int) -> None:
    """The child process: the WhatsApp channel as ``cocrea run`` serves it, until stdin closes."""
    from bot.app import build_app
    from bot.serving import serve as serve_channels
    from bot.settings import load_settings
    from bot.whatsapp.runner import WhatsAppRunner

    environ = {
        "COCREA_WHATSAPP_TOKEN": TOKEN,
        "COCREA_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "COCREA_WHATSAPP_APP_SECRET": APP_SECRET,
        "COCREA_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "COCREA_WHATSAPP_API_URL": api_url,
        "COCREA_WEBHOOK_HOST": "127.0.0.1",
        "COCREA_WEBHOOK_PORT": str(port),
        "COCREA_DATABASE_URL": database_url,
        "COCREA_LOG_LEVEL": "WARNING",
    }
    app = await build_app(load_settings(environ, env_file=None))
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_channels(app, [WhatsAppRunner(app)], stop))
    stdin = asyncio.create_task(until_stdin_closes())
    await asyncio.wait({serving, stdin}, return_when=asyncio.FIRST_COMPLETED)
    stdin.cancel()
    stop.set()
    await serving  # raises if the runner crashed
    await app.close()
    print(json.dumps({"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, api_url: str, database_url: str, port: int) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.whatsapp_bench",
            "--serve",
            "--api-url",
            api_url,
            "--database-url",
            database_url,
            "--port",
            str(port),
            cwd=REPO_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    def cpu_seconds(self) -> float:
        from bench.intake_bench import BotProcess as TelegramBot

        return TelegramBot("", self.process).cpu_seconds()

    async def wait_ready(self, fake: FakeWhatsApp) -> None:
        """Meta's handshake answered: the bot is up (its imports and migrations stay out of the timing)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"the WhatsApp bot exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                if (await fake.verify_webhook(VERIFY_TOKEN)).ok:
                    return
            await asyncio.sleep(0.1)  # the child is still starting: there is nothing else to wait on
        raise RuntimeError(f"the WhatsApp bot did not answer Meta's handshake within {START_TIMEOUT:.0f} s")

    async def stop(self) -> int | None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            out, _ = await asyncio.wait_for(self.process.communicate(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return None
        lines = out.decode(errors="replace").strip().splitlines()
        return int(json.loads(lines[-1])["max_rss_kb"]) if self.process.returncode == 0 and lines else None


# --------------------------------------------------------------------------- runs and report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Row:
    label: str
    database: str
    citizens: int
    drive: Drive
    bot_cpu: float
    rss_kb: int | None
    refusals: str
    check: str
    ok: bool


async def whatsapp_run(citizens: int, timeout: float, pair_limit: bool, database: str) -> Row:  # noqa: ASYNC109
    limits = ThroughputLimits.meta() if pair_limit else ThroughputLimits(messages_per_second=80.0)
    port = free_port()
    async with (
        fresh_database(database) as database_url,
        FakeWhatsApp(
            PHONE_NUMBER_ID,
            TOKEN,
            APP_SECRET,
            limits=limits,
            webhook_concurrency=WEBHOOK_CONCURRENCY,
            record_requests=False,
        ) as fake,
    ):
        fake.webhook_target = f"http://127.0.0.1:{port}/whatsapp"
        bot = await BotProcess.start(fake.base_url, database_url, port)
        try:
            await bot.wait_ready(fake)
            cpu = bot.cpu_seconds()
            result = await drive(fake, citizens, timeout)
            cpu = bot.cpu_seconds() - cpu
        except RuntimeError as error:
            result, cpu = Drive(0.0, Timing(), [], [error], False), 0.0
        finally:
            rss = await bot.stop()
        ok, check = await check_proposals(result, citizens, database_url)
        refusals = f"{fake.stats.throughput_errors} × 130429, {fake.stats.pair_errors} × 131056"
    failures = describe_failures(result)
    if failures:
        ok, check = False, f"{failures}; {check}"
    label = "whatsapp (80/s, 1 per 6 s per person)" if pair_limit else "whatsapp (80/s)"
    return Row(label, database, citizens, result, cpu, rss, refusals, check, ok)


async def telegram_run(citizens: int, timeout: float, database: str) -> Row:  # noqa: ASYNC109
    result = await run_once("aiogram", database, citizens, timeout, unpaced=False)
    drive, cpu, rss = result.drive, result.bot_cpu, result.bot_rss_kb
    return Row("telegram (aiogram, 27/s)", database, citizens, drive, cpu, rss, "-", result.check, result.ok)


HEADER: Final = (
    "run",
    "db",
    "N",
    "wall s",
    "proposals/s",
    "p50 ms",
    "p95 ms",
    "messages/proposal",
    "bot CPU %",
    "bot peak RSS MB",
    "refusals",
    "check",
)


def table_row(row: Row) -> tuple[str, ...]:
    drive = row.drive
    wall = max(drive.wall, 1e-9)
    done = max(len(drive.codes), 1)
    return (
        row.label,
        row.database,
        str(row.citizens),
        f"{drive.wall:.1f}",
        f"{len(drive.codes) / wall:.1f}",
        *(f"{percentile(drive.timing.latencies, p) * 1000:.0f}" for p in (50, 95)),
        f"{drive.messages / done:.1f}",
        f"{100 * row.bot_cpu / wall:.0f}",
        "?" if row.rss_kb is None else f"{row.rss_kb / 1024:.0f}",
        row.refusals,
        row.check,
    )


def markdown(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in (HEADER, *rows)) for i in range(len(HEADER))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)])


async def benchmark(args: argparse.Namespace) -> int:
    if args.database == "postgres" and (problem := await postgres_problem()):
        print(f"PostgreSQL benchmark skipped: {problem}")
        return 0
    deadline = time.monotonic() + args.timeout
    rows = [await whatsapp_run(args.citizens, deadline - time.monotonic(), False, args.database)]
    if args.pair_limit:
        rows.append(await whatsapp_run(args.citizens, deadline - time.monotonic(), True, args.database))
    if not args.no_telegram:
        rows.append(await telegram_run(args.citizens, deadline - time.monotonic(), args.database))
    print(markdown([table_row(row) for row in rows]))
    print(f"harness CPU {harness_cpu_seconds():.0f} s", file=sys.stderr)
    return 0 if all(row.ok for row in rows) else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.whatsapp_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for the whole benchmark")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pair-limit", action="store_true", help="also a run with Meta's per-person rate on")
    parser.add_argument("--no-telegram", action="store_true", help="skip the Telegram run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.timeout <= 0:
        parser.error("--citizens must be at least 1 and --timeout positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.serve:
        asyncio.run(serve(args.api_url, args.database_url, args.port))
        return 0
    return asyncio.run(benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
