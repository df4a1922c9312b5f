"""``cocrea run`` as an operator starts it: a real process, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.driver import eventually
from tests.e2e.conftest import free_port
from tests.e2e.fake_bot_api import FakeBotApi
from tests.e2e.fake_whatsapp import FakeWhatsApp
from tests.e2e.whatsapp_citizen import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN

REPO = Path(__file__).resolve().parents[2]


def cocrea_environment(**settings: str) -> dict[str, str]:
    """The current environment without any COCREA_ setting, plus ``settings``."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("COCREA_")}
    return {**clean, "PYTHONPATH": str(REPO), **settings}


def test_an_unknown_framework_gives_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--framework", "nope"],
        cwd=tmp_path,
        env=cocrea_environment(COCREA_BOT_TOKEN="123456:ABC-valid-looking"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("cocrea: unknown --framework 'nope'")
    assert "aiogram" in line and "ptb" in line
    assert list(tmp_path.iterdir()) == [], "nothing was created (no database)"


async def test_cocrea_run_serves_citizens_and_stops_on_sigterm(
    fake: FakeBotApi, tmp_path: Path, framework: str
) -> None:
    env = cocrea_environment(
        COCREA_BOT_TOKEN=fake.token,
        COCREA_TELEGRAM_API_URL=fake.base_url,
        COCREA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--framework",
        framework,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ana = fake.user(1001, "Ana")
        await fake.wait_for_request("getUpdates", timeout=30)
        await ana.send("/start")
        await ana.expect("Aviso de privacidad")

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr


def test_without_any_channel_cocrea_run_names_both_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=cocrea_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("cocrea: neither COCREA_BOT_TOKEN (Telegram) nor COCREA_WHATSAPP_TOKEN (WhatsApp) is set")
    assert list(tmp_path.iterdir()) == [], "nothing was created (no database)"


async def test_cocrea_run_serves_whatsapp_alone_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    async with FakeWhatsApp(PHONE_NUMBER_ID, TOKEN, APP_SECRET) as wa:
        env = cocrea_environment(
            COCREA_WHATSAPP_TOKEN=wa.token,
            COCREA_WHATSAPP_PHONE_NUMBER_ID=wa.phone_number_id,
            COCREA_WHATSAPP_APP_SECRET=wa.app_secret,
            COCREA_WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
            COCREA_WHATSAPP_API_URL=wa.base_url,
            COCREA_WEBHOOK_HOST="127.0.0.1",
            COCREA_WEBHOOK_PORT=str(port),
            COCREA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            wa.webhook_target = f"http://127.0.0.1:{port}/whatsapp"
            await eventually(lambda: listening(wa, process), timeout=30)
            ana = wa.user("593991234567", "Ana")
            await ana.send("hola")
            await ana.expect("Elige tu idioma")  # WhatsApp does not say the app's language

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(15):
                _, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    [warning] = [line for line in stderr.decode().splitlines() if "moderators' group" in line]
    assert "no moderators' group (COCREA_MODERATORS_CHAT_ID)" in warning and "cocrea questions" in warning, "said once"


async def listening(wa: FakeWhatsApp, process: asyncio.subprocess.Process) -> bool:
    if process.returncode is not None:
        raise AssertionError(f"cocrea run exited with {process.returncode}")
    try:
        return (await wa.verify_webhook(VERIFY_TOKEN)).ok
    except OSError:
        return False
