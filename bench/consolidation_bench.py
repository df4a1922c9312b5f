"""Similar proposals and near-duplicate groups through the real stack, at 10,000 and 100,000 proposals.

Run from the repository root::

    .venv/bin/python -m bench.consolidation_bench [--sizes 10000,100000] [--encode-limit 5000] [--queries 100]

For each size a child process fills a new SQLite database with N synthetic proposals
(``bench.similarity_bench.synthetic_proposals``; 5 % hidden or withdrawn) and their stored vectors, as
the bot stores them. Texts past ``--encode-limit`` are not
encoded (minutes of work): their vectors are noisy copies of encoded ones, as in the similarity bench.
Then another child process, started cold (so that its peak memory is what a bot process would hold),
does what a running bot does:

* **index build**: its ``SimilarProposals`` reads every stored vector (``catch_up``), after loading the
  model (timed on its own);
* **review lookup**: ``similar_to`` for drafts never seen before, in a unit of work like a citizen's
  event: encode the draft, catch up (nothing new), search, read the candidates and keep the published
  ones. p50 and p95 over ``--queries`` drafts, and the encoding alone;
* **clusters**: the ``cocrea clusters`` use case (``near_duplicates``): read the published proposals and
  their vectors, group them, audit;
* **peak memory**: that process's ``ru_maxrss`` after each phase.

The machine is shared: run it on a quiet machine, or read p95 with the load average in mind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from bench.similarity_bench import jittered_copies, synthetic_proposals
from config.consultation import load_consultation
from handlers.actors import operator
from handlers.consolidation import similarity as sim
from handlers.consolidation.clusters import near_duplicates
from handlers.consolidation.similar import SimilarProposals
from handlers.i18n import Catalogs
from handlers.services import Services
from storage.database import Database, open_database, upgrade
from storage.export import ExportFilter
from storage.models import Proposal, ProposalVector
from storage.uow import UnitOfWorkFactory
from tests.seed import SUBMITTED

CHUNK = 5000


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(database: Database, texts: Sequence[str], languages: Sequence[str], vectors: np.ndarray) -> None:
    rng = random.Random(3)
    async with database.engine.begin() as conn:
        for start in range(0, len(texts), CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, len(texts))):
                problem, solution, contribution = texts[i].split("\n")
                roll = rng.random()
                rows.append(
                    {
                        "id": i + 1,
                        "code": f"UIO-{i + 1:06d}",
                        "consultation": "quito-2024",
                        "axis_id": str(rng.randint(1, 6)),
                        "pillar_id": rng.choice(["transparency", "participation", "accountability", "integrity"]),
                        "problem": problem,
                        "solution": solution,
                        "contribution": contribution,
                        "language": languages[i],
                        "channel": "telegram",
                        "attachments": [],
                        "status": "withdrawn" if roll < 0.025 else "received",
                        "hidden": 0.025 <= roll < 0.05,
                        "submitted_at": SUBMITTED,
                        "source": "chat",
                    }
                )
            await conn.execute(insert(Proposal), rows)
            await conn.execute(
                insert(ProposalVector),
                [
                    {"proposal_id": i + 1, "vector": sim.vector_to_bytes(vectors[i])}
                    for i in range(start, min(start + CHUNK, len(texts)))
                ],
            )


def percentiles(samples: Sequence[float]) -> str:
    values = np.array(samples) * 1000
    return f"p50 {np.percentile(values, 50):6.1f} ms   p95 {np.percentile(values, 95):6.1f} ms"


async def fill(size: int, path: Path, encode_limit: int) -> None:
    """The seed, in a process of its own (its memory is not the bot's)."""
    texts, languages = synthetic_proposals(size)
    encoded = min(size, encode_limit)
    start = time.perf_counter()
    vectors = sim.encode(texts[:encoded], languages[:encoded])
    print(f"seed: {encoded:,} texts encoded in a batch, {(time.perf_counter() - start) / encoded * 1000:.2f} ms/text")
    if encoded < size:
        vectors = np.vstack([vectors, jittered_copies(vectors, size - encoded)])
        print(f"  (the other {size - encoded:,} vectors are noisy copies of encoded ones)")
    database = open_database(f"sqlite+aiosqlite:///{path}")
    await upgrade(database)
    await seed(database, texts, languages, vectors)
    await database.dispose()


async def measure(size: int, path: Path, queries: int) -> None:
    """What a bot process does, from a cold start: load the model, build the index, look up drafts."""
    drafts, draft_languages = synthetic_proposals(queries, seed=size + 1)
    database = open_database(f"sqlite+aiosqlite:///{path}")
    quito = load_consultation("quito-2024")
    services = Services(UnitOfWorkFactory(database), quito, Catalogs())
    similar = SimilarProposals()
    print(f"process started: peak RSS {rss_mib():.0f} MiB; load average {os.getloadavg()[0]:.1f}")
    start = time.perf_counter()
    await similar.vectors(["calentamiento"], ["es"])
    print(f"model load (once per process): {time.perf_counter() - start:.2f} s; peak RSS {rss_mib():.0f} MiB")
    start = time.perf_counter()
    await similar.catch_up(services.uow)
    print(
        f"index build from {len(similar):,} stored vectors: {time.perf_counter() - start:.2f} s; "
        f"peak RSS {rss_mib():.0f} MiB"
    )
    encoding: list[float] = []
    for draft, language in zip(drafts, draft_languages, strict=True):
        start = time.perf_counter()
        sim.encode([draft], [language])
        encoding.append(time.perf_counter() - start)
    lookups: list[float] = []
    shown = 0
    for draft, language in zip(drafts, draft_languages, strict=True):
        start = time.perf_counter()
        async with services.uow() as uow:  # as at review: inside the citizen's unit of work
            found = await similar.similar_to(services.uow, uow, draft, language, consultation=quito.slug)
        lookups.append(time.perf_counter() - start)
        shown += bool(found)
    print(f"review lookup, all in (encode + catch up + search + filter): {percentiles(lookups)}")
    print(f"  of which encoding the draft alone:                        {percentiles(encoding)}")
    print(
        f"  {shown} of {len(lookups)} drafts had similar proposals to show; peak RSS {rss_mib():.0f} MiB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    start = time.perf_counter()
    groups = await near_duplicates(services, operator(), ExportFilter(consultation=quito.slug))
    elapsed = time.perf_counter() - start
    together = [group for group in groups if not group.alone]
    print(
        f"clusters (read + group the published ones): {elapsed:.1f} s; {len(together):,} groups "
        f"(largest {max((len(g.members) for g in together), default=0)}), "
        f"{sum(len(g.members) for g in together):,} proposals grouped, {len(groups) - len(together):,} alone; "
        f"peak RSS {rss_mib():.0f} MiB"
    )
    await database.dispose()


def child(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "bench.consolidation_bench", *arguments], check=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of proposals")
    parser.add_argument("--encode-limit", type=int, default=5000, help="encode at most this many seed texts")
    parser.add_argument("--queries", type=int, default=100, help="review lookups per size")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill is not None:
        asyncio.run(fill(args.fill, args.database, args.encode_limit))
        return
    if args.measure is not None:
        asyncio.run(measure(args.measure, args.database, args.queries))
        return
    started = time.perf_counter()
    for size in sorted(int(s) for s in args.sizes.split(",") if s.strip()):
        print(f"\n=== {size:,} proposals (SQLite; 5 % hidden or withdrawn) ===", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "bench.db")
            child("--fill", str(size), "--database", path, "--encode-limit", str(args.encode_limit))
            child("--measure", str(size), "--database", path, "--queries", str(args.queries))
    print(f"\n(total {time.perf_counter() - started:.0f} s; {len(os.sched_getaffinity(0))} cores; nothing downloaded)")


if __name__ == "__main__":
    main()
