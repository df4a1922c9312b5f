"""Export benchmark: every ``cocrea export`` format over synthetic proposals, in SQLite or PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.export_bench --rows 1000000 [--database PATH | --postgres URL] [--formats csv,xlsx,...]

It fills a SQLite file (schema by the app's migrations, rows by ``executemany`` in large batches;
one participant per 20 proposals, a moderation thread of 1-3 messages on every tenth proposal,
texts of realistic length with accents, quotes, newlines and the odd leading ``=``; with
``--workshop-share F``, that share of the proposals comes from 20 workshops of 6 tables, without
participant or profile, so the export joins their origin), then runs
each export as a child process (``python -m bot export --format F --output FILE``) and reports
its rows per second, wall time (process start included) and peak memory (the child's maximum
resident set size, from GNU ``/usr/bin/time``, or ``os.wait4`` without it). The floor is the
``sqlite3`` command-line shell dumping the same table with ``-csv`` (``apt-get install -y sqlite3``
if it is missing): no labels, no escaping, no Python.

An existing database file with the requested number of rows is reused (``--database``), so a
second run measures the exports only. Figures go to standard output as a table; see bench/README.md.

With ``--postgres URL`` (``postgresql://postgres@127.0.0.1:5432/test``) the same rows go to a PostgreSQL
database of the bench's own, created on that server (by ``COPY``, then ``VACUUM ANALYZE``) and dropped at
the end, even on failure; the floor is then ``psql``'s ``\\copy (the same query) to stdout csv``
(``apt-get install -y postgresql-client`` if it is missing). Wall times include the server's work; peak
memory is the export's process only, not the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

import asyncpg
from sqlalchemy.engine import URL, make_url

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from storage.database import open_database, upgrade  # noqa: E402

BATCH: Final = 50_000
PROPOSALS_PER_PARTICIPANT: Final = 20
FORMATS: Final = ("csv", "xlsx", "json", "jsonl", "decidim", "public-csv")
AXES: Final = ("1", "2", "3", "4", "5", "6")
PILLARS: Final = ("transparency", "participation", "accountability", "integrity")
ZONES: Final = (
    "calderon",
    "eloy-alfaro",
    "eugenio-espejo",
    "la-delicia",
    "los-chillos",
    "manuela-saenz",
    "quitumbe",
    "tumbaco",
    "rural-parishes",
    None,
)
SECTORS: Final = ("citizen", "civil-society", "academia", "private", "public", "international", None)
AGES: Final = ("under-18", "18-29", "30-44", "45-64", "65-plus", None)
STATUSES: Final = (
    "received",
    "received",
    "received",
    "in_review",
    "needs_info",
    "accepted",
    "merged",
    "not_adopted",
    "withdrawn",
)
PROBLEM: Final = (
    "Los buses del corredor sur no publican horarios en las paradas desde 2023; la gente espera "
    '"sin saber" cuánto tardará el próximo. Afecta a estudiantes y trabajadores de {zone}.'
)
SOLUTION: Final = (
    "Publicar horarios en tiempo real en cada parada y en datos abiertos,\ncon un tablero "
    "mensual de cumplimiento por ruta y operador."
)
CONTRIBUTION: Final = "Menos espera, más control ciudadano del servicio y mejores decisiones 🚌."
START: Final = datetime(2024, 7, 15, 13, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Result:
    name: str
    rows: int
    seconds: float
    peak_mb: float
    file_mb: float

    def line(self, floor: float | None = None) -> str:
        """A row of the table; ``floor``: the seconds of ``sqlite3 -csv`` in the same run (the ratio's unit)."""
        rate = self.rows / self.seconds if self.seconds else 0.0
        ratio = f"{self.seconds / floor:>7.1f}×" if floor else f"{'':>8}"
        return (
            f"| {self.name:<18} | {self.rows:>9,} | {self.seconds:>8.1f} | {rate:>10,.0f} | "
            f"{self.peak_mb:>8.0f} | {self.file_mb:>8.0f} | {ratio} |"
        )


PARTICIPANT_COLUMNS: Final = (
    "id", "channel", "external_id", "pseudonym", "language", "consented_at", "profile_done", "created_at"
)  # fmt: skip
PROPOSAL_COLUMNS: Final = (
    "id", "code", "consultation", "participant_id", "participant_pseudonym", "axis_id", "pillar_id", "problem",
    "solution", "contribution", "zone", "sector", "age_range", "language", "channel", "latitude", "longitude",
    "attachments", "status", "status_reason", "answered_at", "submitted_at",
)  # fmt: skip
MESSAGE_COLUMNS: Final = ("proposal_id", "participant_id", "direction", "text", "actor", "created_at")
Record = tuple[object, ...]
Stamp = Callable[[datetime], object]


class Sink(Protocol):
    """Where the synthetic rows go: a SQLite file (``executemany``) or a PostgreSQL database (``COPY``)."""

    stamp: Stamp
    """A time as the driver takes it (SQLite: the text SQLAlchemy stores; PostgreSQL: the datetime)."""

    async def insert(self, table: str, columns: Sequence[str], records: Iterable[Record]) -> None: ...

    async def execute(self, sql: str, *params: object) -> None:
        """``sql`` with ``?`` for each parameter."""


class SqliteSink:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.stamp: Stamp = _stamp

    async def insert(self, table: str, columns: Sequence[str], records: Iterable[Record]) -> None:
        marks = ", ".join("?" * len(columns))
        self._conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", records)

    async def execute(self, sql: str, *params: object) -> None:
        self._conn.execute(sql, params)


class PostgresSink:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.stamp: Stamp = lambda moment: moment

    async def insert(self, table: str, columns: Sequence[str], records: Iterable[Record]) -> None:
        for batch in _batches(iter(records), BATCH):
            await self._conn.copy_records_to_table(table, records=batch, columns=list(columns))

    async def execute(self, sql: str, *params: object) -> None:
        numbered = iter(range(1, len(params) + 1))
        await self._conn.execute(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *params)


def fill(path: Path, rows: int, workshop_share: float = 0.0) -> None:
    """Create the schema with the app's migrations, then insert ``rows`` proposals quickly."""

    async def migrate_and_fill() -> None:
        await migrate(f"sqlite+aiosqlite:///{path}")
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA synchronous=OFF")
        with conn:
            await insert_rows(SqliteSink(conn), rows, workshop_share)
        conn.close()

    started = time.perf_counter()
    asyncio.run(migrate_and_fill())
    print(f"filled {rows:,} proposals in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")


async def migrate(url: str) -> None:
    database = open_database(url)
    await upgrade(database)
    await database.dispose()


async def insert_rows(sink: Sink, rows: int, workshop_share: float) -> None:
    """The synthetic proposals, their authors, their moderation threads and, with a share, workshop origins."""
    participants = -(-rows // PROPOSALS_PER_PARTICIPANT)
    start = sink.stamp(START)
    await sink.insert(
        "participants",
        PARTICIPANT_COLUMNS,
        (
            (n, "telegram", str(700_000_000 + n), f"p-{n:08x}", "es", start, True, start)
            for n in range(1, participants + 1)
        ),
    )
    await sink.insert("proposals", PROPOSAL_COLUMNS, _proposals(rows, sink.stamp))
    messages = (
        (n, None, "question" if k % 2 == 0 else "answer", "¿Desde cuándo ocurre?", "moderator", start)
        for n in range(1, rows + 1, 10)
        for k in range(1 + n % 3)
    )
    await sink.insert("thread_messages", MESSAGE_COLUMNS, messages)
    if workshop_share > 0:
        await _from_workshops(sink, rows, workshop_share)


WORKSHOPS: Final = 20
TABLES: Final = 6


async def _from_workshops(sink: Sink, rows: int, share: float) -> None:
    """Turn every ``1/share``-th proposal into a workshop table's: no participant, no profile, an origin."""
    every = max(1, round(1 / share))
    held = date(2024, 7, 15) if isinstance(sink, PostgresSink) else "2024-07-15"
    await sink.insert(
        "workshops",
        ("id", "consultation", "name", "zone", "held_on", "created_by", "created_at"),
        (
            (w, "quito-2024", f"Taller {w}", ZONES[w % (len(ZONES) - 1)], held, "operator:bench", sink.stamp(START))
            for w in range(1, WORKSHOPS + 1)
        ),
    )
    tables = ((w, t) for w in range(1, WORKSHOPS + 1) for t in range(1, TABLES + 1))
    await sink.insert("workshop_tables", ("workshop_id", "number"), tables)
    await sink.execute(
        "UPDATE proposals SET source = 'workshop', participant_id = NULL, participant_pseudonym = NULL, "
        "sector = NULL, age_range = NULL WHERE id % ? = 0",
        every,
    )
    await sink.insert(
        "workshop_proposals",
        ("proposal_id", "workshop_id", "table_number", "backers", "entered_by"),
        (
            (n, 1 + n % WORKSHOPS, 1 + n % TABLES, 1 + n % 25, "facilitator:staff-1")
            for n in range(every, rows + 1, every)
        ),
    )


def _proposals(rows: int, stamp: Stamp) -> Iterator[Record]:
    rng = random.Random(2024)
    for n in range(1, rows + 1):
        zone = rng.choice(ZONES)
        status = rng.choice(STATUSES)
        answered = status not in ("received", "in_review")
        submitted = START + timedelta(seconds=n * 7)
        problem = ("=" if n % 1000 == 0 else "") + PROBLEM.format(zone=zone or "la ciudad")
        location = (-0.2 - rng.random() / 10, -78.5 + rng.random() / 10) if n % 5 == 0 else (None, None)
        yield (
            n,
            f"UIO-{n:07}",
            "quito-2024",
            1 + (n - 1) // PROPOSALS_PER_PARTICIPANT,
            f"p-{1 + (n - 1) // 20:08x}",
            rng.choice(AXES),
            rng.choice(PILLARS),
            problem,
            SOLUTION,
            CONTRIBUTION,
            zone,
            rng.choice(SECTORS),
            rng.choice(AGES),
            "es" if n % 7 else "en",
            "telegram",
            *location,
            '["photo"]' if n % 4 == 0 else "[]",
            status,
            "Se integra en el compromiso 3 del plan." if answered else None,
            stamp(submitted + timedelta(days=5)) if answered else None,
            stamp(submitted),
        )


def _batches(items: Iterator[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def count(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT count(*) FROM proposals").fetchone()[0])
    except sqlite3.Error:
        return -1


def measure(name: str, argv: Sequence[str], output: Path, rows: int, env: dict[str, str]) -> Result:
    """Run ``argv`` as a child writing to ``output``. Its peak RSS comes from GNU time when it is there
    (``/usr/bin/time -f %M``: a small process forks the child, so the child's high-water mark is its own);
    otherwise from ``os.wait4``, which also counts what the child inherited from this process at fork."""
    output.unlink(missing_ok=True)
    peak_file = output.with_name(output.name + ".rss")
    gnu_time = Path("/usr/bin/time")
    command = [str(gnu_time), "-f", "%M", "-o", str(peak_file), *argv] if gnu_time.exists() else list(argv)
    started = time.perf_counter()
    with output.open("ab") as sink:
        child = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        stderr = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{name} failed ({child.returncode}): {stderr.strip()}")
    peak_kb = int(peak_file.read_text().split()[-1]) if peak_file.exists() else usage.ru_maxrss
    return Result(name, rows, seconds, peak_kb / 1024, output.stat().st_size / 1e6)


FLOOR: Final = "SELECT * FROM proposals ORDER BY id"
"""The floor: the table as it is, no labels, no local times, no escaping, no Python."""
JOINED_FLOOR: Final = (
    "SELECT p.*, o.workshop_id, w.name, o.table_number, o.backers, "
    "(SELECT count(*) FROM thread_messages t WHERE t.proposal_id = p.id), "
    "(SELECT count(*) FROM supports s WHERE s.proposal_id = p.id) "
    "FROM proposals p LEFT JOIN workshop_proposals o ON o.proposal_id = p.id "
    "LEFT JOIN workshops w ON w.id = o.workshop_id ORDER BY p.id"
)
"""The same with the export's join and counts (its workshop origin, follow-ups, supporters), still raw."""


def export_argv(fmt: str, output: Path) -> list[str]:
    argv = [sys.executable, "-m", "bot", "export", "--output", str(output.resolve())]
    if fmt == "public-csv":
        return [*argv, "--format", "csv", "--public"]
    return [*argv, "--format", fmt]


@dataclass(frozen=True)
class Target:
    """The database the exports read, and the floors: its own command-line client dumping the same rows."""

    name: str
    url: str
    floors: tuple[tuple[str, list[str]], ...]
    """(name, argv), the first one the ratio's unit; none when the client is missing."""
    missing: str = ""


def sqlite_target(path: Path) -> Target:
    """``sqlite3 -csv``: the table as it is, no labels, no local times, no escaping, no Python."""
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        return Target("SQLite", _sqlite_url(path), (), "sqlite3 not found: apt-get install -y sqlite3 for the floor")
    floors = (("sqlite3 -csv", FLOOR), ("sqlite3 -csv, join", JOINED_FLOOR))
    return Target("SQLite", _sqlite_url(path), tuple((n, [sqlite, "-csv", "-header", str(path), q]) for n, q in floors))


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


def postgres_target(url: URL, version: str) -> Target:
    """``psql``'s ``\\copy (…) to stdout csv``: the server's COPY sends the rows as CSV and psql writes them,
    the counterpart of ``sqlite3 -csv`` (a C client, no labels, no escaping of ours, no Python)."""
    name, app_url = f"PostgreSQL {version}", url.render_as_string(hide_password=False)
    psql = shutil.which("psql")
    if psql is None:
        return Target(name, app_url, (), "psql not found: apt-get install -y postgresql-client for the floor")
    floors = (("psql \\copy csv", FLOOR), ("psql \\copy csv, join", JOINED_FLOOR))
    copy = "\\copy ({}) to stdout with (format csv, header)"
    return Target(
        name, app_url, tuple((n, [psql, "-X", "-q", "-d", _libpq(url), "-c", copy.format(q)]) for n, q in floors)
    )


def _libpq(url: URL) -> str:
    """The URL as libpq and asyncpg read it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_postgres(url: str) -> Iterator[URL]:
    """A database of its own on the server of ``url`` (whose database it connects to, to create it), dropped
    afterwards, whatever happens."""
    base = make_url(url)
    name = f"cocrea_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(drivername="postgresql+asyncpg", database=name)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: URL, statement: str) -> None:
    conn = await asyncpg.connect(_libpq(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def fill_postgres(url: URL, rows: int, workshop_share: float = 0.0) -> str:
    """The app's migrations, then ``rows`` proposals by ``COPY``, then ``VACUUM ANALYZE`` (as autovacuum would
    have left a table that old: statistics for the planner, hint bits set); returns the server's version."""

    async def migrate_and_fill() -> str:
        await migrate(url.render_as_string(hide_password=False))
        conn = await asyncpg.connect(_libpq(url))
        try:
            async with conn.transaction():
                await insert_rows(PostgresSink(conn), rows, workshop_share)
            await conn.execute("VACUUM ANALYZE")
            return str(await conn.fetchval("SHOW server_version")).split()[0]
        finally:
            await conn.close()

    started = time.perf_counter()
    version = asyncio.run(migrate_and_fill())
    print(f"filled {rows:,} proposals in {time.perf_counter() - started:.1f} s (PostgreSQL {version})")
    return version


def run(target: Target, formats: Sequence[str], rows: int, work: Path) -> list[Result]:
    """Each format as ``cocrea export`` would run, then the floors."""
    env = {
        **os.environ,
        "COCREA_DATABASE_URL": target.url,
        "COCREA_LOG_LEVEL": "WARNING",
        "COCREA_CONSULTATION": "quito-2024",
        "CI": "1",
    }
    results = [measure(fmt, export_argv(fmt, work / f"out.{fmt}"), work / f"out.{fmt}", rows, env) for fmt in formats]
    results += [measure(name, argv, work / "floor.csv", rows, env) for name, argv in target.floors]
    if target.missing:
        print(target.missing)
    return results


def table(target: Target, rows: int, results: Sequence[Result]) -> None:
    floors = len(target.floors)
    floor = results[-floors].seconds if floors else None
    print(f"\n{rows:,} proposals, {target.name}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print("| format             |      rows |   wall s |     rows/s |  peak MB |  file MB | × floor |")
    print("|--------------------|-----------|----------|------------|----------|----------|---------|")
    for result in results:
        print(result.line(floor))


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    options.add_argument("--rows", type=int, default=1_000_000)
    where = options.add_mutually_exclusive_group()
    where.add_argument("--database", type=Path, help="SQLite file to fill or reuse (default: a temp file)")
    where.add_argument(
        "--postgres", metavar="URL", help="PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/test): "
        "a database of its own is created there, filled, measured and dropped"
    )  # fmt: skip
    options.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, of {', '.join(FORMATS)}")
    options.add_argument(
        "--workshop-share", type=float, default=0.0, help="share of proposals from workshop tables (e.g. 0.1)"
    )
    args = options.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cocrea-export-bench-"))
    formats = args.formats.split(",")
    try:
        if args.postgres:
            with fresh_postgres(args.postgres) as url:
                target = postgres_target(url, fill_postgres(url, args.rows, args.workshop_share))
                table(target, args.rows, run(target, formats, args.rows, work))
            return 0
        database = args.database or work / "bench.db"
        if count(database) != args.rows:
            database.unlink(missing_ok=True)
            fill(database, args.rows, args.workshop_share)
        target = sqlite_target(database)
        table(target, args.rows, run(target, formats, args.rows, work))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
