"""Export benchmark: every ``cocrea export`` format over a SQLite table of synthetic proposals.

Run from the repository root::

    .venv/bin/python -m bench.export_bench --rows 1000000 [--database PATH] [--formats csv,xlsx,...]

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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

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


def fill(path: Path, rows: int, workshop_share: float = 0.0) -> None:
    """Create the schema with the app's migrations, then insert ``rows`` proposals quickly."""
    url = f"sqlite+aiosqlite:///{path}"

    async def migrate() -> None:
        database = open_database(url)
        await upgrade(database)
        await database.dispose()

    asyncio.run(migrate())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    started = time.perf_counter()
    with conn:
        participants = -(-rows // PROPOSALS_PER_PARTICIPANT)
        conn.executemany(
            "INSERT INTO participants (id, channel, external_id, pseudonym, language, consented_at, profile_done, "
            "created_at) VALUES (?, 'telegram', ?, ?, 'es', ?, 1, ?)",
            ((n, str(700_000_000 + n), f"p-{n:08x}", _stamp(START), _stamp(START)) for n in range(1, participants + 1)),
        )
        for batch in _batches(_proposals(rows), BATCH):
            conn.executemany(
                "INSERT INTO proposals (id, code, consultation, participant_id, participant_pseudonym, axis_id, "
                "pillar_id, problem, solution, contribution, zone, sector, age_range, language, channel, latitude, "
                "longitude, attachments, status, status_reason, answered_at, submitted_at) "
                "VALUES (?, ?, 'quito-2024', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'telegram', ?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
        conn.executemany(
            "INSERT INTO thread_messages (proposal_id, participant_id, direction, text, actor, created_at) "
            "VALUES (?, ?, ?, ?, 'moderator', ?)",
            (
                (n, None, "question" if k % 2 == 0 else "answer", "¿Desde cuándo ocurre?", _stamp(START))
                for n in range(1, rows + 1, 10)
                for k in range(1 + n % 3)
            ),
        )
        if workshop_share > 0:
            _from_workshops(conn, rows, workshop_share)
    conn.close()
    print(f"filled {rows:,} proposals in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")


WORKSHOPS: Final = 20
TABLES: Final = 6


def _from_workshops(conn: sqlite3.Connection, rows: int, share: float) -> None:
    """Turn every ``1/share``-th proposal into a workshop table's: no participant, no profile, an origin."""
    every = max(1, round(1 / share))
    conn.executemany(
        "INSERT INTO workshops (id, consultation, name, zone, held_on, created_by, created_at) "
        "VALUES (?, 'quito-2024', ?, ?, '2024-07-15', 'operator:bench', ?)",
        ((w, f"Taller {w}", ZONES[w % (len(ZONES) - 1)], _stamp(START)) for w in range(1, WORKSHOPS + 1)),
    )
    conn.executemany(
        "INSERT INTO workshop_tables (workshop_id, number) VALUES (?, ?)",
        ((w, t) for w in range(1, WORKSHOPS + 1) for t in range(1, TABLES + 1)),
    )
    conn.execute(
        "UPDATE proposals SET source = 'workshop', participant_id = NULL, participant_pseudonym = NULL, "
        "sector = NULL, age_range = NULL WHERE id % ? = 0",
        (every,),
    )
    conn.executemany(
        "INSERT INTO workshop_proposals (proposal_id, workshop_id, table_number, backers, entered_by) "
        "VALUES (?, ?, ?, ?, 'facilitator:staff-1')",
        ((n, 1 + n % WORKSHOPS, 1 + n % TABLES, 1 + n % 25) for n in range(every, rows + 1, every)),
    )


def _proposals(rows: int) -> Iterator[tuple[object, ...]]:
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
            *location,
            '["photo"]' if n % 4 == 0 else "[]",
            status,
            "Se integra en el compromiso 3 del plan." if answered else None,
            _stamp(submitted + timedelta(days=5)) if answered else None,
            _stamp(submitted),
        )


def _batches(items: Iterator[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
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


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    options.add_argument("--rows", type=int, default=1_000_000)
    options.add_argument("--database", type=Path, help="SQLite file to fill or reuse (default: a temp file)")
    options.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, of {', '.join(FORMATS)}")
    options.add_argument(
        "--workshop-share", type=float, default=0.0, help="share of proposals from workshop tables (e.g. 0.1)"
    )
    args = options.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cocrea-export-bench-"))
    database = args.database or work / "bench.db"
    try:
        if count(database) != args.rows:
            database.unlink(missing_ok=True)
            fill(database, args.rows, args.workshop_share)
        env = {
            **os.environ,
            "COCREA_DATABASE_URL": f"sqlite+aiosqlite:///{database.resolve()}",
            "COCREA_LOG_LEVEL": "WARNING",
            "COCREA_CONSULTATION": "quito-2024",
            "CI": "1",
        }
        results = [
            measure(fmt, export_argv(fmt, work / f"out.{fmt}"), work / f"out.{fmt}", args.rows, env)
            for fmt in args.formats.split(",")
        ]
        sqlite = shutil.which("sqlite3")
        floor: float | None = None
        if sqlite:
            for name, sql in (("sqlite3 -csv", FLOOR), ("sqlite3 -csv, join", JOINED_FLOOR)):
                argv = [sqlite, "-csv", "-header", str(database), sql]
                results.append(measure(name, argv, work / "floor.csv", args.rows, env))
            floor = results[-2].seconds
        else:
            print("sqlite3 not found: apt-get install -y sqlite3 for the floor")
        print(f"\n{args.rows:,} proposals, SQLite, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
        print("| format             |      rows |   wall s |     rows/s |  peak MB |  file MB | × floor |")
        print("|--------------------|-----------|----------|------------|----------|----------|---------|")
        for result in results:
            print(result.line(floor))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
