"""What the aiogram and python-telegram-bot runners share: background tasks, polling, webhook, shutdown.

A subclass supplies only what its library does differently: how to fetch and feed updates, how to
register commands, how to build the webhook application, how to close. Both libraries' ``Bot`` name
``delete_webhook`` and ``set_webhook`` the same way, so those live here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from aiohttp import web

from bot import housekeeping
from bot.app import App
from bot.delivery import Delivery
from bot.forums import ForumTopics
from bot.polling import BatchPoller
from bot.sending import Sender
from bot.telegram_updates import ALLOWED_UPDATES, CHANNEL
from handlers.commands import command_menu
from handlers.messages import BotCommand

log = logging.getLogger(__name__)


class TelegramSender(Sender, Protocol):
    topics: ForumTopics


class TelegramRunner(ABC):
    """Long polling by default; webhook mode when COCREA_WEBHOOK_URL is set."""

    bot: Any

    def __init__(self, app: App, sender: TelegramSender) -> None:
        self.app = app
        self.sender = sender
        self.delivery: Delivery = app.delivery(sender, CHANNEL)
        self._poller: BatchPoller[Any] = BatchPoller(self._get_updates, lambda update: update.update_id, self._feed)
        self._tasks: list[asyncio.Task[None]] = []
        self._answers: set[asyncio.Task[None]] = set()

    # --- what each library does its own way -----------------------------------------------------

    @abstractmethod
    async def _get_updates(self, offset: int | None, wait: int) -> Sequence[Any]: ...

    @abstractmethod
    async def _feed(self, update: Any) -> None: ...

    @abstractmethod
    async def _set_commands(self, language: str, commands: list[BotCommand]) -> None: ...

    @abstractmethod
    def webhook_app(self) -> web.Application: ...

    @abstractmethod
    async def _initialise(self) -> None:
        """Anything the library needs before the first call."""

    @abstractmethod
    async def _close(self) -> None: ...

    # --- shared ----------------------------------------------------------------------------------

    def answer_later(self, answering: Coroutine[Any, Any, None]) -> None:
        """Stop a button's spinner without waiting for it: awaiting here would let the chat's next
        update reach the engine first (tests/e2e/test_telegram_errors.py, slow callback answer)."""
        task = asyncio.create_task(answering)
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def register_commands(self) -> None:
        languages = self.app.catalogs.complete_languages(self.app.consultation.languages)
        for language, commands in command_menu(self.app.catalogs, languages).items():
            await self._set_commands(language, commands)

    async def start(self) -> None:
        """Register commands, learn whether the moderators' group is a forum, and start the outbox
        drainer (it first sends what a crash left pending) and the housekeeping."""
        await self._initialise()
        await self.register_commands()
        moderators = self.app.settings.moderators_chat_id
        if moderators is not None:
            await self.sender.topics.learn(moderators)
        self._tasks = [
            asyncio.create_task(self.delivery.run(), name="outbox-drainer"),
            asyncio.create_task(housekeeping.run(self.app.uow), name="housekeeping"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*self._answers, return_exceptions=True)
        await self._close()

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        """Long polling; a batch is confirmed to Telegram only once it is processed (bot/polling.py)."""
        await self.start()
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
            if handle_signals:
                self._stop_on_signals()
            await self._poller.run()
        finally:
            await self.stop()

    async def stop_polling(self) -> None:
        await self._poller.stop()

    def _stop_on_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(self._poller.stop()))

    async def run_webhook(self, stop: object | None = None) -> None:
        settings = self.app.settings
        await self.start()
        runner = web.AppRunner(self.webhook_app())
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
            await site.start()
            await self.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
            log.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port,
                     settings.webhook_path)
            await (stop if isinstance(stop, asyncio.Event) else asyncio.Event()).wait()
        finally:
            await runner.cleanup()
            await self.stop()
