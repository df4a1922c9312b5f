"""A campaign spike on PostgreSQL: workers 1, 2, 3 behind a round-robin balancer, and a chaos run.

Run from the repository root::

    .venv/bin/python -m bench.spike_bench                      # 300 citizens within a minute; 1, 2, 3 workers + chaos
    .venv/bin/python -m bench.spike_bench --citizens 100 --workers 3 --no-calm

Each row gets a new PostgreSQL database (created beside ``--postgres``, dropped afterwards), the fake Bot
API pushing updates like Telegram (up to 40 at once, a chat's one at a time, retried on anything but a
2xx) with Telegram's flood limits (30 messages a second in all, one a second per chat), a round-robin
balancer, and N real ``cocrea run`` processes. Citizens arrive within ``--arrive-within`` seconds and
take ``--think`` seconds per step (tests/e2e/citizen_script.full_proposal: 13 steps). The chaos row
kills a random worker with SIGKILL every ``--kill-every`` seconds and starts it again.
See bench/README.md for the figures and tests/e2e/spike.py for the harness.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.spike import Outcome, Spike, create_database, drop_database, run_spike

COLUMNS = (
    "workers",
    "chaos",
    "citizens",
    "wall s",
    "proposals/s",
    "p50 ms",
    "p95 ms",
    "sends",
    "send rate /s",
    "busiest s",
    "429s",
    "kills (sender)",
    "takeovers",
    "resent",
    "webhook retries",
    "check",
)


def row(outcome: Outcome) -> tuple[str, ...]:
    spike = outcome.spike
    problems = outcome.problems()
    return (
        str(spike.workers),
        f"every {spike.kill_every:g} s" if spike.kill_every else "-",
        str(spike.citizens),
        f"{outcome.wall:.1f}",
        f"{outcome.proposals_per_second:.2f}",
        f"{outcome.percentile(0.5) * 1000:.0f}",
        f"{outcome.percentile(0.95) * 1000:.0f}",
        str(outcome.sends),
        f"{outcome.send_rate:.1f}",
        str(outcome.busiest_second),
        str(outcome.floods),
        f"{outcome.kills} ({outcome.sender_kills})",
        str(outcome.takeovers),
        str(outcome.duplicates),
        str(outcome.webhook_retries),
        "OK" if not problems else "; ".join(problems)[:120],
    )


def markdown(rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.spike_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--arrive-within", type=float, default=60.0, help="seconds over which citizens start")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", default="1,2,3", help="comma-separated worker counts, one row each")
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between kills in the chaos row")
    parser.add_argument("--no-calm", action="store_true", help="only the chaos row")
    parser.add_argument("--no-chaos", action="store_true", help="no chaos row")
    parser.add_argument("--framework", default="ptb", choices=("aiogram", "ptb"))
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reply-timeout", type=float, default=300.0)
    return parser.parse_args(argv)


def planned(args: argparse.Namespace) -> list[Spike]:
    counts = [int(n) for n in args.workers.split(",")]

    def spike(workers: int, kill_every: float | None) -> Spike:
        low, high = args.think
        return Spike(
            workers=workers,
            citizens=args.citizens,
            arrive_within=args.arrive_within,
            think=(low, high),
            kill_every=kill_every,
            framework=args.framework,
            reply_timeout=args.reply_timeout,
        )

    spikes = [] if args.no_calm else [spike(n, None) for n in counts]
    if not args.no_chaos:
        spikes.append(spike(max(counts), args.kill_every))
    return spikes


async def benchmark(args: argparse.Namespace) -> int:
    rows: list[tuple[str, ...]] = []
    status = 0
    for spike in planned(args):
        print(f"running: {spike}", file=sys.stderr, flush=True)
        url = await create_database(args.postgres)
        try:
            with tempfile.TemporaryDirectory(prefix="cocrea-spike-") as folder:
                outcome = await run_spike(spike, url, Path(folder))
        finally:
            await drop_database(url)
        rows.append(row(outcome))
        print(markdown(rows[-1:]), file=sys.stderr, flush=True)
        status = status or (1 if outcome.problems() else 0)
    print(markdown(rows))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a killed worker's requests, cut short
    return asyncio.run(benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
