"""Several workers on PostgreSQL under one pace: ``cocrea run --workers N`` on one machine, and workers on
"several machines" behind a round-robin balancer while a random one is killed every few seconds.

The PostgreSQL tests need COCREA_TEST_POSTGRES_URL (CI sets it); without it they are skipped, saying so."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import postgres_url
from tests.driver import eventually
from tests.e2e.conftest import free_port
from tests.e2e.spike import (
    HOOK_PATH,
    SECRET,
    TELEGRAM_LIMITS,
    TOKEN,
    Spike,
    create_database,
    drop_database,
    run_spike,
)
from tests.e2e.telegram_push import PushingBotApi
from tests.e2e.test_cli_run import cocrea_environment

pytestmark = pytest.mark.serial  # measures time or loads the machine: run alone (scripts/test)


@pytest.fixture
async def spike_database() -> AsyncIterator[str]:
    base = postgres_url()
    if base is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set COCREA_TEST_POSTGRES_URL")
        pytest.skip("several workers need PostgreSQL: set COCREA_TEST_POSTGRES_URL")
    url = await create_database(base)
    yield url
    await drop_database(url)


def test_several_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--workers", "3"],
        cwd=tmp_path,
        env=cocrea_environment(COCREA_BOT_TOKEN="123456:ABC-valid-looking"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("cocrea: --workers needs PostgreSQL (COCREA_DATABASE_URL)")
    assert list(tmp_path.iterdir()) == [], "nothing was created (no database)"


async def test_three_workers_behind_a_balancer_keep_every_promise_while_one_is_killed_every_few_seconds(
    spike_database: str, tmp_path: Path
) -> None:
    outcome = await run_spike(Spike(), spike_database, tmp_path)

    assert outcome.problems() == [], f"see the workers' logs in {tmp_path}"
    assert outcome.kills >= 3, "workers were killed while citizens wrote"
    assert outcome.most_resent_to_a_chat <= outcome.sender_kills, "at most one resend per chat per sender killed"


async def test_cocrea_run_workers_shares_the_port_and_starts_a_killed_worker_again(
    spike_database: str, tmp_path: Path
) -> None:
    port = free_port()
    async with PushingBotApi(TOKEN, TELEGRAM_LIMITS) as fake:
        env = cocrea_environment(
            COCREA_BOT_TOKEN=fake.token,
            COCREA_TELEGRAM_API_URL=fake.base_url,
            COCREA_DATABASE_URL=spike_database,
            COCREA_WEBHOOK_URL=f"http://127.0.0.1:{port}{HOOK_PATH}",
            COCREA_WEBHOOK_SECRET=SECRET,
            COCREA_WEBHOOK_HOST="127.0.0.1",
            COCREA_WEBHOOK_PORT=str(port),
            COCREA_DATA_DIR=str(tmp_path / "data"),
            COCREA_LOG_LEVEL="WARNING",
        )
        parent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--framework",
            "ptb",
            "--workers",
            "2",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await eventually(lambda: has_children(parent.pid, 2), timeout=60)
            await fake.wait_for_request("setWebhook", timeout=60)
            ana = fake.user(1001, "Ana")
            await ana.send("/start")
            await ana.expect("Aviso de privacidad", timeout=30)

            first = children(parent.pid)
            os.kill(first[0], signal.SIGKILL)
            await eventually(lambda: replaced(parent.pid, first), timeout=30)

            for n in range(6):  # whichever worker the kernel hands them to, each is answered
                person = fake.user(2000 + n, f"P{n}")
                await person.send("/start")
                await person.expect("Aviso de privacidad", timeout=30)

            parent.send_signal(signal.SIGTERM)
            async with asyncio.timeout(40):
                _, stderr = await parent.communicate()
        finally:
            if parent.returncode is None:
                parent.kill()
                await parent.wait()
    assert parent.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert b"was killed by SIGKILL; starting it again" in stderr


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


async def has_children(pid: int, count: int) -> bool:
    return len(children(pid)) == count


async def replaced(pid: int, before: list[int]) -> bool:
    now = children(pid)
    return len(now) == len(before) and now != before
