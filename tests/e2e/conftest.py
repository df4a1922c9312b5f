"""End-to-end fixtures: the real runner, in-process, against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.settings import load_settings
from bot.telegram.aiogram_runner import AiogramRunner
from bot.telegram.frameworks import Runner, make_runner
from bot.telegram.ptb_runner import PtbRunner
from handlers.services import Clock
from tests.conftest import NOW
from tests.driver import fixed_clock
from tests.e2e.fake_bot_api import FakeBotApi

FRAMEWORKS = ["aiogram", "ptb"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="123456:TEST-TOKEN") as api:
        yield api


@dataclass
class RunningBot:
    app: App
    runner: Any
    task: asyncio.Task[None]
    webhook_stop: asyncio.Event | None = None
    """Set in webhook mode: setting it stops ``run_webhook``."""

    async def stop(self) -> None:
        """Stop the runner, and dispose of the database even when it does not stop in time: a pool left
        open is closed by the garbage collector later, in whichever test runs then (aiosqlite warns)."""
        try:
            if not self.task.done():
                if self.webhook_stop is not None:
                    self.webhook_stop.set()
                else:
                    await self.runner.stop_polling()
                await asyncio.wait_for(self.task, 30)  # longer than a runner's own grace for its drainer (10 s)
        finally:
            await self.app.close()

    async def crash(self) -> None:
        """Stop as abruptly as a process can inside one interpreter: cancel everything in flight."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await self.app.close()


StartBot = Callable[..., Awaitable[RunningBot]]
RUNNERS: dict[str, type[AiogramRunner] | type[PtbRunner]] = {"aiogram": AiogramRunner, "ptb": PtbRunner}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_runner(framework: str, app: App, request_timeout: float | None) -> Runner:
    """The runner ``cocrea run`` builds, or one with a shorter Bot API request timeout."""
    if request_timeout is None:
        return make_runner(framework, app)
    return RUNNERS[framework](app, request_timeout=request_timeout)


def bot_environment(fake: FakeBotApi, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "COCREA_BOT_TOKEN": fake.token,
        "COCREA_TELEGRAM_API_URL": fake.base_url,
        "COCREA_DATABASE_URL": database_url,
        **FAST_SENDING,
        **extra,
    }


FAST_SENDING = {  # scripted citizens answer instantly; tests of pacing set real limits themselves
    "COCREA_SEND_PER_SECOND": "100000",
    "COCREA_SEND_PER_CHAT_PER_SECOND": "100000",
    "COCREA_SEND_CHAT_BURST": "1000",
    "COCREA_SEND_PER_GROUP_PER_MINUTE": "1000000",
}


@pytest.fixture
async def start_bot(fake: FakeBotApi, tmp_path: Path) -> AsyncIterator[StartBot]:
    """``await start_bot(framework, request_timeout=None, webhook=False, **env)``: a running bot.

    With ``webhook=True`` it runs ``run_webhook`` on a free loopback port (COCREA_WEBHOOK_URL
    ``http://127.0.0.1:<port>/tg/hook``, secret ``WEBHOOK_SECRET``) and returns once it
    registered the webhook with the fake, which then delivers updates to it.
    """
    running: list[RunningBot] = []
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"

    async def start(framework: str = "aiogram", **options: Any) -> RunningBot:
        options.setdefault("COCREA_DATA_DIR", str(tmp_path / "data"))  # files the bot writes stay out of the checkout
        bot = await launch(fake, database_url, framework, **options)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        with contextlib.suppress(Exception):
            await bot.stop()


async def launch(
    fake: FakeBotApi,
    database_url: str,
    framework: str,
    *,
    request_timeout: float | None = None,
    webhook: bool = False,
    clock: Clock | None = None,
    **env: str,
) -> RunningBot:
    """Start a runner in-process against ``fake``; returns once it polls (or registered its webhook).
    The bot's clock stands still at ``NOW`` unless a ``clock`` is given (a test with another process)."""
    if webhook:
        env = {**webhook_environment(free_port()), **env}
    settings = load_settings(bot_environment(fake, database_url, **env), env_file=None)
    app = await build_app(settings, clock=clock or fixed_clock(NOW))
    runner = build_runner(framework, app, request_timeout)
    since = len(fake.requests)
    stop = asyncio.Event() if webhook else None
    task = asyncio.create_task(runner.run_webhook(stop) if stop else runner.run_polling(handle_signals=False))
    bot = RunningBot(app, runner, task, stop)
    try:
        await fake.wait_for_request("setWebhook" if webhook else "getUpdates", since=since)
    except BaseException:
        await bot.crash()
        raise
    return bot


WEBHOOK_SECRET = "s3cret-token_for-tests"
WEBHOOK_PATH = "/tg/hook"


def webhook_environment(port: int) -> dict[str, str]:
    return {
        "COCREA_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "COCREA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "COCREA_WEBHOOK_HOST": "127.0.0.1",
        "COCREA_WEBHOOK_PORT": str(port),
    }


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)
