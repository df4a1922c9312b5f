"""End-to-end fixtures: the real runner, in-process, against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.runners import make_runner
from bot.settings import load_settings
from tests.conftest import NOW
from tests.driver import fixed_clock
from tests.e2e.fake_bot_api import FakeBotApi

FRAMEWORKS = ["aiogram"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="123456:TEST-TOKEN") as api:
        yield api


@dataclass
class RunningBot:
    app: App
    runner: Any
    task: asyncio.Task[None]

    async def stop(self) -> None:
        if not self.task.done():
            await self.runner.stop_polling()
            await asyncio.wait_for(self.task, 10)
        await self.app.close()

    async def crash(self) -> None:
        """Stop as abruptly as a process can inside one interpreter: cancel everything in flight."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await self.app.close()


StartBot = Callable[..., Awaitable[RunningBot]]


def bot_environment(fake: FakeBotApi, database_url: str, **extra: str) -> dict[str, str]:
    return {"COCREA_BOT_TOKEN": fake.token, "COCREA_TELEGRAM_API_URL": fake.base_url,
            "COCREA_DATABASE_URL": database_url, **extra}


@pytest.fixture
async def start_bot(fake: FakeBotApi, tmp_path: Path) -> AsyncIterator[StartBot]:
    running: list[RunningBot] = []
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"

    async def start(framework: str = "aiogram", **env: str) -> RunningBot:
        settings = load_settings(bot_environment(fake, database_url, **env), env_file=None)
        app = await build_app(settings, clock=fixed_clock(NOW))
        runner = make_runner(framework, app)
        since = len(fake.requests)
        task = asyncio.create_task(runner.run_polling(handle_signals=False))
        await fake.wait_for_request("getUpdates", since=since)
        bot = RunningBot(app, runner, task)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        with contextlib.suppress(Exception):
            await bot.stop()


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)
