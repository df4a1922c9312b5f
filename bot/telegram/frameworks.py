"""Choosing a Telegram library: every runner offers the same small interface."""

from __future__ import annotations

from typing import Protocol

from bot.app import App
from bot.serving import ChannelRunner
from bot.settings import SettingsError

FRAMEWORKS = ("aiogram", "ptb")


class Runner(ChannelRunner, Protocol):
    """A channel runner that can also serve Telegram alone (tests, benchmarks)."""

    async def run_polling(self, *, handle_signals: bool = True) -> None: ...
    async def stop_polling(self) -> None: ...
    async def run_webhook(self, stop: object | None = None) -> None: ...


def make_runner(framework: str, app: App) -> Runner:
    """The runner for ``framework`` ("aiogram" or "ptb"), built on ``app``."""
    if framework == "aiogram":
        from bot.telegram.aiogram_runner import AiogramRunner

        return AiogramRunner(app)
    if framework == "ptb":
        from bot.telegram.ptb_runner import PtbRunner

        runner: Runner = PtbRunner(app)
        return runner
    raise SettingsError(f"unknown --framework {framework!r}: choose aiogram or ptb.")
