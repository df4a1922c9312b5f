"""``cocrea run`` as an operator starts it: a real process, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.fake_bot_api import FakeBotApi

REPO = Path(__file__).resolve().parents[2]


def cocrea_environment(**settings: str) -> dict[str, str]:
    """The current environment without any COCREA_ setting, plus ``settings``."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COCREA_")}
    return {**clean, "PYTHONPATH": str(REPO), **settings}


def test_an_unknown_framework_gives_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--framework", "nope"],
        cwd=tmp_path, env=cocrea_environment(COCREA_BOT_TOKEN="123456:ABC-valid-looking"),
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("cocrea: unknown --framework 'nope'")
    assert "aiogram" in line and "ptb" in line
    assert list(tmp_path.iterdir()) == [], "nothing was created (no database)"


async def test_cocrea_run_serves_citizens_and_stops_on_sigterm(
        fake: FakeBotApi, tmp_path: Path, framework: str) -> None:
    env = cocrea_environment(COCREA_BOT_TOKEN=fake.token, COCREA_TELEGRAM_API_URL=fake.base_url,
                             COCREA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--framework", framework,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        ana = fake.user(1001, "Ana")
        await fake.wait_for_request("getUpdates", timeout=30)
        await ana.send("/start")
        await ana.expect("Elige tu idioma")

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
