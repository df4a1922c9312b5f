"""Reasoned-answers benchmark: answers to N authors through the outbox, against Telegram's flood limits.

Run from the repository root::

    .venv/bin/python -m bench.answers_bench --authors 3000 --scale 10 [--framework aiogram|ptb]

N authors with one proposal each are written straight into a fresh SQLite file; the bot (a real
runner) starts against the fake Bot API server with its flood limits ON — Telegram's (30 messages a
second in all, 1 a second per chat), multiplied by ``--scale`` to keep the run short; the bot's own
pacing is scaled the same way. Then one CSV import answers every proposal, and the bot's outbox
sender delivers the notifications. It prints the achieved rate as a share of the global limit, the
429 answers the fake gave, and what was left undelivered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

from bot.app import build_app
from bot.cli.moderation import import_file
from bot.settings import load_settings
from bot.telegram.frameworks import make_runner
from tests.e2e.fake_bot_api import FakeBotApi, FloodLimits
from tests.seed import FIRST_CHAT, answers_csv, many_authors


async def run(authors: int, scale: float, framework: str, timeout: float) -> int:  # noqa: ASYNC109
    limit = 30 * scale
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await many_authors(database_url, authors)
        fake = FakeBotApi(limits=FloodLimits(global_per_second=limit, per_chat_per_second=scale), record_requests=True)
        await fake.start()
        for i in range(1, authors + 1):
            fake.user(FIRST_CHAT + i, f"Autora {i}")
        settings = load_settings(
            {
                "COCREA_BOT_TOKEN": fake.token,
                "COCREA_TELEGRAM_API_URL": fake.base_url,
                "COCREA_DATABASE_URL": database_url,
                "COCREA_SEND_PER_SECOND": str(limit),
                "COCREA_SEND_PER_CHAT_PER_SECOND": str(scale),
                "COCREA_OUTBOX_POLL_SECONDS": "0.2",
                "COCREA_LOG_LEVEL": "ERROR",
            },
            env_file=None,
        )
        app = await build_app(settings)
        runner = make_runner(framework, app)
        task = asyncio.create_task(runner.run_polling(handle_signals=False))
        try:
            await fake.wait_for_request("getUpdates", timeout=30)
            started = time.perf_counter()
            with contextlib.redirect_stdout(sys.stderr):
                await import_file(app, answers_csv(Path(folder), authors))
            imported = time.perf_counter()
            await fake.wait_until(lambda: fake.stats.sent_messages >= authors, timeout)
            finished = time.perf_counter()
            await asyncio.sleep(0.5)  # let the last deletions commit before counting what is left
        finally:
            await runner.stop_polling()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
            async with app.uow() as uow:
                left = await uow.outbox.counts()
            await app.close()
            await fake.stop()
    sending = finished - imported
    rate = fake.stats.sent_messages / sending if sending else 0.0
    print(f"framework {framework}; authors {authors}; limits x{scale:g}: {limit:g}/s in all, {scale:g}/s per chat")
    print(f"import (validate + apply + enqueue {authors} notifications): {imported - started:.2f} s")
    print(
        f"delivery: {fake.stats.sent_messages} messages in {sending:.2f} s = {rate:.1f}/s "
        f"= {100 * rate / limit:.0f}% of the limit"
    )
    print(f"429 answers from the fake: {fake.stats.flood_429}; left in the outbox: {left or 'nothing'}")
    return 0 if fake.stats.sent_messages >= authors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", type=int, default=3000)
    parser.add_argument("--scale", type=float, default=10.0, help="multiply Telegram's limits (default 10)")
    parser.add_argument("--framework", default="aiogram", choices=["aiogram", "ptb"])
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.authors, args.scale, args.framework, args.timeout))


if __name__ == "__main__":
    raise SystemExit(main())
