"""The python-telegram-bot 22 runner: framework updates in, ``Outgoing`` messages out. No business rule here.

It mirrors ``bot/aiogram_runner.py``; what python-telegram-bot offers and this runner does not use, and why:

* ``Updater.start_polling`` confirms a batch to Telegram (next ``getUpdates`` offset) as soon as it is
  fetched, before it is processed, so a crash would lose it. Long polling goes through
  ``bot/polling.py`` instead, as for aiogram: a batch is confirmed once it is processed.
* ``Updater.start_webhook`` answers 200 before the update is processed. The webhook here is a small
  aiohttp server that checks the secret and answers only once the update is processed and committed.
* ``ConversationHandler`` and persistence: the conversation lives in the database (``handlers/``).

What it does use: the ``Application`` (its bot, its lifecycle, one ``TypeHandler`` and its update
processor, which bounds how many updates run at once; the engine keeps each chat in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import warnings
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram import error as tg
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.app import App
from bot.forums import ForumTopics
from bot.runner_base import TelegramRunner
from bot.sending import BadMessage, RetryAfter, Sent, Temporary, Unreachable
from bot.settings import Settings
from bot.telegram_updates import ALLOWED_UPDATES, incoming_from_update
from handlers.messages import BotCommand as CommandValue
from handlers.messages import Outgoing

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONCURRENT_UPDATES = 256
PtbApplication = Application[Any, Any, Any, Any, Any, Any]


class PtbSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self.topics = ForumTopics(bot)

    async def send(self, message: Outgoing) -> Sent | None:
        try:
            return await self._send(message)
        except tg.RetryAfter as error:
            raise RetryAfter(retry_seconds(error)) from error
        except tg.Forbidden as error:
            raise Unreachable(error.message) from error
        except tg.BadRequest as error:  # before NetworkError: BadRequest is one of its subclasses
            if "chat not found" in error.message.lower():
                raise Unreachable(error.message) from error
            if "message is not modified" in error.message.lower():
                return Sent(message.edit_message_id) if message.edit_message_id is not None else None
            raise BadMessage(error.message) from error
        except tg.InvalidToken as error:  # 401 (a wrong token) or 404, as aiogram tells them apart
            if "unauthorized" in error.message.lower():
                raise
            raise BadMessage(error.message) from error
        except (tg.NetworkError, TimeoutError) as error:  # TimedOut, 5xx, connection errors
            raise Temporary(str(error)) from error

    async def _send(self, message: Outgoing) -> Sent | None:
        markup = _markup(message)
        if message.edit_message_id is not None:
            edited = await self._bot.edit_message_text(
                text=message.text, chat_id=message.chat_id, message_id=message.edit_message_id, reply_markup=markup)
            return Sent(edited.message_id if isinstance(edited, Message) else message.edit_message_id)
        thread_id = await self.topics.thread_for(message)
        common: dict[str, Any] = {"reply_markup": markup, "message_thread_id": thread_id}
        if message.reply_to_message_id is not None:
            common["reply_parameters"] = ReplyParameters(
                message_id=message.reply_to_message_id, allow_sending_without_reply=True)
        caption = message.text or None
        if message.document_path:
            path = Path(message.document_path)
            document = await asyncio.to_thread(path.read_bytes)
            sent = await self._bot.send_document(
                message.chat_id, document, filename=message.document_name or path.name, caption=caption, **common)
        elif message.photo_path:
            path = Path(message.photo_path)
            photo = await asyncio.to_thread(path.read_bytes)
            sent = await self._bot.send_photo(message.chat_id, photo, filename=path.name, caption=caption, **common)
        else:
            sent = await self._bot.send_message(message.chat_id, message.text, **common)
        return Sent(sent.message_id, thread_id)


def retry_seconds(error: tg.RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives an int or (PTB_TIMEDELTA=true) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in message.buttons])


def build_application(settings: Settings, request_timeout: float) -> PtbApplication:
    """An Application on ``COCREA_TELEGRAM_API_URL`` with no updater, job queue or persistence."""
    api, timeout = settings.telegram_api_url, request_timeout
    return (
        ApplicationBuilder().token(settings.require_token())
        .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
        .updater(None).job_queue(None)
        .concurrent_updates(CONCURRENT_UPDATES).connection_pool_size(CONCURRENT_UPDATES)
        .connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout).pool_timeout(timeout)
        .media_write_timeout(max(timeout, 20.0))
        .get_updates_connect_timeout(timeout).get_updates_read_timeout(timeout)  # + the long poll's wait
        .get_updates_write_timeout(timeout).get_updates_pool_timeout(timeout)
        .build()
    )


class PtbRunner(TelegramRunner):
    """The python-telegram-bot 22 runner: one TypeHandler, no ConversationHandler, no persistence."""

    bot: Bot

    def __init__(self, app: App, *, request_timeout: float = 30.0) -> None:
        # PTB 22 warns about its own int ``retry_after`` when it builds a RetryAfter; retry_seconds copes with both.
        warnings.filterwarnings("ignore", ".*`retry_after`.*", PTBDeprecationWarning)
        self.application = build_application(app.settings, request_timeout)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.bot = self.application.bot
        super().__init__(app, PtbSender(self.bot))

    async def _feed(self, update: Update) -> None:
        """Process one update through the Application (its update processor bounds concurrency)."""
        await self.application.update_processor.process_update(update, self.application.process_update(update))

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            self.answer_later(self._answer(update))
        incoming = incoming_from_update(update.to_dict())
        if incoming is not None:
            await self.app.engine.handle(incoming, self.delivery.deliver)

    async def _answer(self, update: Update) -> None:
        query = update.callback_query
        if query is not None:
            with contextlib.suppress(Exception):  # an expired query is harmless
                await query.answer()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)

    async def _set_commands(self, language: str, commands: list[CommandValue]) -> None:
        await self.bot.set_my_commands([BotCommand(c.command, c.description) for c in commands],
                                       scope=BotCommandScopeDefault(), language_code=language or None)

    async def _initialise(self) -> None:
        await self.application.initialize()  # getMe, HTTP pools

    async def _close(self) -> None:
        await self.application.shutdown()  # closes the HTTP connection pools

    async def _get_updates(self, offset: int | None, wait: int) -> list[Update]:
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=dt.timedelta(seconds=wait), allowed_updates=ALLOWED_UPDATES)
        except tg.RetryAfter as error:
            raise RetryAfter(retry_seconds(error)) from error
        except tg.BadRequest:
            raise
        except tg.NetworkError as error:  # TimedOut, 5xx, connection errors
            raise Temporary(str(error)) from error
        return list(updates)

    def webhook_app(self) -> web.Application:
        application = web.Application()
        application.router.add_post(self.app.settings.webhook_path, self._on_webhook)
        return application

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.app.settings.webhook_secret.encode()):
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.de_json(await request.json(), self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="Not an update")
        await self._feed(update)
        return web.Response()  # only now: a crash before this line makes Telegram deliver it again
