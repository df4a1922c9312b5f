"""How long ``cocrea`` takes to start: ``--help``, and ``cocrea run`` until its first ``getUpdates``.

    .venv/bin/python -m bench.startup_bench [--runs 3]

Each ``cocrea run`` is a fresh process against the fake Bot API server (tests/e2e/fake_bot_api.py), on
a SQLite file that is new (the first start creates the schema) and then already there. Floors measured in
the same run: ``python -c pass`` (the interpreter) and ``python -c "import aiogram"`` / ``"import
telegram.ext"`` (the Telegram library alone).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.fake_bot_api import FakeBotApi

REPO = Path(__file__).resolve().parents[1]


def environment(**settings: str) -> dict[str, str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COCREA_")}
    return {**clean, "PYTHONPATH": str(REPO), **settings}


def seconds_of(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=environment())
    return time.perf_counter() - started


async def first_poll(framework: str, database: Path) -> float:
    """Seconds from starting ``cocrea run`` to its first getUpdates."""
    async with FakeBotApi(token="123456:BENCH-TOKEN") as fake:
        env = environment(
            COCREA_BOT_TOKEN=fake.token,
            COCREA_TELEGRAM_API_URL=fake.base_url,
            COCREA_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        )
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--framework", framework, env=env, cwd=database.parent,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            if not await fake.wait_until(lambda: bool(fake.calls("getUpdates")), timeout=120):
                raise RuntimeError(f"cocrea run --framework {framework} never polled")
            return time.perf_counter() - started
        finally:
            process.terminate()
            await process.wait()


def row(name: str, values: list[float]) -> str:
    return f"| {name:<50} | {statistics.median(values):8.2f} | {min(values):6.2f} | {max(values):6.2f} |"


async def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=3)
    runs = options.parse_args().runs
    python = sys.executable
    lines = [
        row("floor: python -c pass", [seconds_of([python, "-c", "pass"]) for _ in range(runs)]),
        row("cocrea --help", [seconds_of([python, "-m", "bot", "--help"]) for _ in range(runs)]),
        row("floor: import aiogram", [seconds_of([python, "-c", "import aiogram"]) for _ in range(runs)]),
        row("floor: import telegram.ext", [seconds_of([python, "-c", "import telegram.ext"]) for _ in range(runs)]),
    ]
    for framework in ("aiogram", "ptb"):
        new, existing = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                database = Path(folder) / "bot.db"
                new.append(await first_poll(framework, database))
                existing.append(await first_poll(framework, database))
        lines.append(row(f"cocrea run --framework {framework}: new database", new))
        lines.append(row(f"cocrea run --framework {framework}: existing database", existing))
    print(f"| {'start':<50} | median s | min s  | max s  |")
    print(f"|{'-' * 52}|----------|--------|--------|")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
