"""Web benchmark: the public site and its open data at 100,000 proposals, and the proposal page under
50 concurrent visitors, against ``cocrea web`` running as its own process on 127.0.0.1.

Run from the repository root::

    .venv/bin/python -m bench.web_bench [--rows 100000] [--visitors 50] [--seconds 20] [--database PATH]

It fills a SQLite file like ``bench/export_bench.py`` (plus each proposal's status history), starts
``python -m bot web`` on a free loopback port, then measures with an asyncio HTTP client:

* time to first byte and total time of the public list (first page, the last page, a word search),
  of the home page (its counts cold, then cached) and of the open-data files (CSV and JSON), with
  the web process's resident memory sampled every 5 ms during each request (``/proc/PID/status``);
  the floor is ``/healthz`` (the stack without the database) and the ceiling of a download is the
  same public export written in this process straight to a null file (no HTTP);
* the proposal page (``/proposals/{code}``, random codes) under N concurrent visitors for S seconds:
  requests per second and p50/p95/p99 latency, beside ``/healthz`` under the same load. The load comes
  from ``wrk`` (Debian's package; ``apt-get install -y wrk``) when it is installed, so that the load
  generator leaves the two cores to the server; else (or with ``--python-load``) from an asyncio client.

Figures are printed, never asserted. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiohttp

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.export_bench import count, fill  # noqa: E402
from config.consultation import load_consultation  # noqa: E402
from handlers.i18n import Catalogs  # noqa: E402
from handlers.intake.table import steps_for  # noqa: E402
from handlers.public.open_data import open_data_request, write_open_data  # noqa: E402
from handlers.services import Services  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.export import ExportFilter  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402
from tests.e2e.web_process import WebProcess, start_web  # noqa: E402

CHUNK: Final = 64 * 1024


@dataclass(frozen=True)
class Timing:
    name: str
    ttfb_ms: float
    total_ms: float
    megabytes: float
    rss_before_mb: float
    rss_peak_mb: float

    def line(self) -> str:
        return (
            f"| {self.name:<34} | {self.ttfb_ms:>9.1f} | {self.total_ms:>10.1f} | {self.megabytes:>8.1f} | "
            f"{self.rss_before_mb:>10.0f} | {self.rss_peak_mb:>9.0f} |"
        )


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def timed(session: aiohttp.ClientSession, web: WebProcess, name: str, path: str) -> Timing:
    """One GET: first byte and last byte, and the web process's memory meanwhile."""
    pid = web.process.pid
    before = rss_mb(pid)
    peak = before
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    first = 0.0
    size = 0
    async with session.get(web.url + path) as response:
        assert response.status == 200, f"{path}: {response.status}"
        async for chunk in response.content.iter_chunked(CHUNK):
            if not first:
                first = time.perf_counter()
            size += len(chunk)
    total = time.perf_counter() - started
    done.set()
    await sampler
    peak = max(peak, rss_mb(pid))
    return Timing(name, (first - started) * 1000, total * 1000, size / 1e6, before, peak)


def page(session: aiohttp.ClientSession, web: WebProcess, name: str, path: str) -> Callable[[], Awaitable[Timing]]:
    return lambda: timed(session, web, name, path)


def download(session: aiohttp.ClientSession, web: WebProcess, fmt: str) -> Callable[[], Awaitable[Timing]]:
    return lambda: timed(session, web, f"open data .{fmt}", f"/public/proposals.{fmt}")


async def best_of(times: int, measure: Callable[[], Awaitable[Timing]]) -> Timing:
    """The median run by total time (memory: the highest peak seen)."""
    runs = [await measure() for _ in range(times)]
    runs.sort(key=lambda t: t.total_ms)
    middle = runs[len(runs) // 2]
    return Timing(
        middle.name,
        middle.ttfb_ms,
        middle.total_ms,
        middle.megabytes,
        min(r.rss_before_mb for r in runs),
        max(r.rss_peak_mb for r in runs),
    )


async def load(
    session: aiohttp.ClientSession, web: WebProcess, paths: Callable[[], str], visitors: int, seconds: float
) -> tuple[int, int, list[float]]:
    """``visitors`` clients, each requesting again as soon as it has its answer, for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def visitor() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with session.get(web.url + paths()) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(visitor() for _ in range(visitors)))
    return len(latencies), errors, latencies


WRK_SCRIPT: Final = """
math.randomseed(7)
local rows = tonumber(os.getenv("BENCH_ROWS") or "0")
request = function()
  if rows > 0 then
    return wrk.format("GET", string.format("/proposals/UIO-%07d", math.random(1, rows)))
  end
  return wrk.format("GET", "/healthz")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f %.3f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.duration / 1e6))
end
"""


def wrk_load(url: str, rows: int, visitors: int, seconds: float) -> tuple[int, int, float, float, float, float]:
    """``wrk`` (C, from Debian) as the load generator: it leaves the cores to the server.
    Returns (requests, errors, p50, p95, p99 in ms, seconds)."""
    script = Path(tempfile.gettempdir()) / "cocrea-web-bench.lua"
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "BENCH_ROWS": str(rows)}
    argv = ["wrk", "-t2", f"-c{visitors}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(script), url]
    output = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    done, errors, p50, p95, p99, took = line.split()[1:]
    return int(done), int(errors), float(p50), float(p95), float(p99), float(took)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def add_history(path: Path) -> None:
    """Each proposal's status history: received, then its status and answer when it has one."""
    with sqlite3.connect(path) as conn:
        if conn.execute("SELECT count(*) FROM proposal_status_history").fetchone()[0]:
            return
        conn.execute(
            "INSERT INTO proposal_status_history (proposal_id, status, reason, actor, changed_at) "
            "SELECT id, 'received', NULL, 'citizen', submitted_at FROM proposals"
        )
        conn.execute(
            "INSERT INTO proposal_status_history (proposal_id, status, reason, actor, changed_at) "
            "SELECT id, status, status_reason, 'moderator:staff-1', coalesce(answered_at, submitted_at) "
            "FROM proposals WHERE status != 'received'"
        )


async def export_ceiling(url: str, fmt: str) -> tuple[float, float]:
    """The public export written by this process to a null sink: (seconds, megabytes)."""

    class Null(io.RawIOBase):
        size = 0

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            Null.size += len(data)
            return len(data)

    database = open_database(url)
    quito = load_consultation("quito-2024")
    factory = UnitOfWorkFactory(database)
    services = Services(factory, quito, Catalogs(), steps=steps_for(quito))
    Null.size = 0
    started = time.perf_counter()
    async with services.reading() as uow:
        await write_open_data(uow, services, open_data_request(services, fmt, ExportFilter(), "es"), Null())  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    await database.dispose()
    return seconds, Null.size / 1e6


async def run(path: Path, rows: int, visitors: int, seconds: float, python_load: bool) -> None:
    url = f"sqlite+aiosqlite:///{path}"
    log = Path(tempfile.gettempdir()) / "cocrea-web-bench.log"
    web = await start_web(url, log, COCREA_LOG_LEVEL="WARNING")
    try:
        timeout = aiohttp.ClientTimeout(total=600)
        connector = aiohttp.TCPConnector(limit=visitors + 10)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            print(f"\n`cocrea web` (pid {web.process.pid}) at {web.url}, {rows:,} proposals, SQLite\n")
            print("| request                            | TTFB ms   | total ms   | MB       | RSS before | RSS peak  |")
            print("|------------------------------------|-----------|------------|----------|------------|-----------|")
            last_page = -(-rows // 25)
            cases = [
                ("floor: /healthz", "/healthz"),
                ("home, counts cold (first visit)", "/"),
                ("home, counts cached", "/"),
                ("public list, page 1", "/proposals"),
                (f"public list, page {last_page:,} (last)", f"/proposals?page={last_page}"),
                ("public list, axis + pillar filter", "/proposals?axis=4&pillar=transparency"),
                ("public list, word search", "/proposals?q=corredor+Quitumbe"),
                ("proposal page", f"/proposals/UIO-{rows // 2:07}"),
            ]
            for name, target in cases:
                times = 1 if "cold" in name else 5
                print((await best_of(times, page(session, web, name, target))).line(), flush=True)
            for fmt in ("csv", "json"):
                print((await best_of(3, download(session, web, fmt))).line(), flush=True)
            for fmt in ("csv", "json"):
                took, megabytes = await export_ceiling(url, fmt)
                print(
                    f"| {'ceiling: public ' + fmt + ' export, no HTTP':<34} | {'':>9} | {took * 1000:>10.1f} | "
                    f"{megabytes:>8.1f} | {'':>10} | {'':>9} |"
                )

            generator = "wrk -t2" if shutil.which("wrk") and not python_load else "asyncio client"
            print(f"\n{visitors} concurrent visitors for {seconds:.0f} s each, load from {generator}\n")
            print("| page                      | requests | errors | req/s   | p50 ms | p95 ms | p99 ms |")
            print("|---------------------------|----------|--------|---------|--------|--------|--------|")
            rng = random.Random(7)
            for name, paths, ids in (
                ("floor: /healthz", lambda: "/healthz", 0),
                ("/proposals/{code}", lambda: f"/proposals/UIO-{rng.randint(1, rows):07}", rows),
            ):
                if generator.startswith("wrk"):
                    done, errors, p50, p95, p99, took = await asyncio.to_thread(
                        wrk_load, web.url, ids, visitors, seconds
                    )
                else:
                    done, errors, latencies = await load(session, web, paths, visitors, seconds)
                    p50, took = statistics.median(latencies), seconds
                    p95, p99 = percentile(latencies, 0.95), percentile(latencies, 0.99)
                print(
                    f"| {name:<25} | {done:>8,} | {errors:>6} | {done / took:>7.0f} | "
                    f"{p50:>6.1f} | {p95:>6.1f} | {p99:>6.1f} |",
                    flush=True,
                )
            print(f"\nweb process peak RSS over the whole run (VmHWM): {peak_mb(web.process.pid):.0f} MB")
    finally:
        await web.stop()


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database", type=Path, help="reuse this SQLite file when it has --rows proposals")
    parser.add_argument("--python-load", action="store_true", help="the asyncio client as load generator, not wrk")
    args = parser.parse_args()
    path = args.database or Path(tempfile.gettempdir()) / f"cocrea-web-bench-{args.rows}.db"
    if count(path) != args.rows:
        path.unlink(missing_ok=True)
        fill(path, args.rows)
    add_history(path)
    os.environ.setdefault("COCREA_CONSULTATION", "quito-2024")
    asyncio.run(run(path, args.rows, args.visitors, args.seconds, args.python_load))


if __name__ == "__main__":
    main()
