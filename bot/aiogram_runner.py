"""The aiogram 3 runner: framework updates in, ``Outgoing`` messages out. No business rule here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot import housekeeping
from bot.app import App
from bot.forums import ForumTopics
from bot.polling import BatchPoller
from bot.sending import BadMessage, RetryAfter, Sent, Temporary, Unreachable
from bot.telegram_updates import ALLOWED_UPDATES, CHANNEL, incoming_from_update
from handlers.commands import command_menu
from handlers.messages import Outgoing

log = logging.getLogger(__name__)


class AiogramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self.topics = ForumTopics(bot)

    async def send(self, message: Outgoing) -> Sent | None:
        try:
            return await self._send(message)
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except TelegramForbiddenError as error:
            raise Unreachable(error.message) from error
        except TelegramBadRequest as error:
            if "chat not found" in error.message.lower():
                raise Unreachable(error.message) from error
            if "message is not modified" in error.message.lower():
                return Sent(message.edit_message_id) if message.edit_message_id is not None else None
            raise BadMessage(error.message) from error
        except TelegramNotFound as error:
            raise BadMessage(error.message) from error
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
            raise Temporary(str(error)) from error

    async def _send(self, message: Outgoing) -> Sent | None:
        markup = _markup(message)
        thread_id = await self.topics.thread_for(message)
        common: dict[str, Any] = {"reply_markup": markup, "message_thread_id": thread_id}
        if message.reply_to_message_id is not None:
            common["reply_parameters"] = ReplyParameters(
                message_id=message.reply_to_message_id, allow_sending_without_reply=True)
        if message.edit_message_id is not None:
            edited = await self._bot.edit_message_text(
                text=message.text, chat_id=message.chat_id, message_id=message.edit_message_id, reply_markup=markup)
            return Sent(edited.message_id if isinstance(edited, Message) else message.edit_message_id)
        if message.document_path:
            document = FSInputFile(message.document_path, filename=message.document_name)
            sent = await self._bot.send_document(message.chat_id, document, caption=message.text or None, **common)
        elif message.photo_path:
            photo = FSInputFile(message.photo_path)
            sent = await self._bot.send_photo(message.chat_id, photo, caption=message.text or None, **common)
        else:
            sent = await self._bot.send_message(message.chat_id, message.text, **common)
        return Sent(sent.message_id, thread_id)


def _stop_on_signals(poller: BatchPoller[Update]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(poller.stop()))


async def _answer(query: CallbackQuery) -> None:
    with contextlib.suppress(Exception):
        await query.answer()  # an expired query is harmless


def _markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row] for row in message.buttons
    ])


class AiogramRunner:
    """Long polling by default; webhook mode when COCREA_WEBHOOK_URL is set."""

    def __init__(self, app: App, *, request_timeout: float = 30.0) -> None:
        self.app = app
        settings = app.settings
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url), timeout=request_timeout)
        self.bot = Bot(settings.require_token(), session=session)
        self.sender = AiogramSender(self.bot)
        self.delivery = app.delivery(self.sender, CHANNEL)
        self.dispatcher = Dispatcher()
        self.dispatcher.message.register(self._on_message)
        self.dispatcher.callback_query.register(self._on_callback)
        self._drainer: asyncio.Task[None] | None = None
        self._upkeep: asyncio.Task[None] | None = None
        self._answers: set[asyncio.Task[None]] = set()
        self._poller: BatchPoller[Update] = BatchPoller(self._get_updates, lambda u: u.update_id, self._feed)

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self._handle(event_update)

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        # Stop the button's spinner without waiting for it: awaiting here would let the chat's next
        # update reach the engine first (tests/e2e/test_telegram_errors.py, slow callback answer).
        answer = asyncio.create_task(_answer(query))
        self._answers.add(answer)
        answer.add_done_callback(self._answers.discard)
        await self._handle(event_update)

    async def _handle(self, update: Update) -> None:
        incoming = incoming_from_update(update.model_dump(mode="json", by_alias=True, exclude_none=True))
        if incoming is not None:
            await self.app.engine.handle(incoming, self.delivery.deliver)

    async def register_commands(self) -> None:
        languages = self.app.catalogs.complete_languages(self.app.consultation.languages)
        for language, commands in command_menu(self.app.catalogs, languages).items():
            await self.bot.set_my_commands(
                [BotCommand(command=c.command, description=c.description) for c in commands],
                scope=BotCommandScopeDefault(),
                language_code=language or None,
            )

    async def start(self) -> None:
        """Register commands and start the outbox drainer (it sends what a crash left pending)."""
        await self.register_commands()
        if self.app.settings.moderators_chat_id is not None:
            await self.sender.topics.learn(self.app.settings.moderators_chat_id)
        self._drainer = asyncio.create_task(self.delivery.run(), name="outbox-drainer")
        self._upkeep = asyncio.create_task(housekeeping.run(self.app.uow), name="housekeeping")

    async def stop(self) -> None:
        for task in (self._drainer, self._upkeep):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await asyncio.gather(*self._answers, return_exceptions=True)
        await self.bot.session.close()

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        """Long polling; a batch is confirmed to Telegram only once it is processed (bot/polling.py)."""
        await self.start()
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
            if handle_signals:
                _stop_on_signals(self._poller)
            await self._poller.run()
        finally:
            await self.stop()

    async def stop_polling(self) -> None:
        await self._poller.stop()

    async def _get_updates(self, offset: int | None, wait: int) -> list[Update]:
        try:
            return await self.bot(
                GetUpdates(offset=offset, timeout=wait, allowed_updates=ALLOWED_UPDATES),
                request_timeout=int(self.bot.session.timeout + wait),
            )
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except (TelegramServerError, TelegramNetworkError) as error:
            raise Temporary(str(error)) from error

    async def _feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    def webhook_app(self) -> web.Application:
        settings = self.app.settings
        application = web.Application()
        handler = SimpleRequestHandler(
            dispatcher=self.dispatcher, bot=self.bot, handle_in_background=False,
            secret_token=settings.webhook_secret,
        )
        handler.register(application, path=settings.webhook_path)
        return application

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

