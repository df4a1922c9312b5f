"""The python-telegram-bot 22 runner: framework updates in, ``Outgoing`` messages out. No business rule here.

It mirrors ``bot/telegram/aiogram_runner.py``; what python-telegram-bot offers and this runner does not use, and why:

* ``Updater.start_polling`` confirms a batch to Telegram (next ``getUpdates`` offset) as soon as it is
  fetched, before it is processed, so a crash would lose it. Long polling goes through
  ``bot/telegram/polling.py`` instead, as for aiogram: a batch is confirmed once it is processed.
* ``Updater.start_webhook`` answers 200 before the update is processed. The webhook here is the small
  aiohttp server of ``bot/telegram/runner.py``, which answers only once the update is committed.
* ``ConversationHandler`` and persistence: the conversation lives in the database (``handlers/``).

What it does use: the ``Application`` (its bot, its lifecycle, one ``TypeHandler`` and its update
processor, which bounds how many updates run at once; the engine keeps each chat in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

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
from bot.outbox.sending import BadMessage, RetryAfter, Temporary, Unreachable
from bot.settings import Settings
from bot.telegram.runner import TelegramRunner
from bot.telegram.sender import Keyboard, Reply, TelegramSender
from handlers.messages import BotCommand as CommandValue

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 256
PtbApplication = Application[Any, Any, Any, Any, Any, Any]


def _markup(rows: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _reply(reply: Reply) -> dict[str, Any]:
    options: dict[str, Any] = {"message_thread_id": reply.thread}
    if reply.reply_to is not None:
        options["reply_parameters"] = ReplyParameters(message_id=reply.reply_to, allow_sending_without_reply=True)
    return options


class PtbApi:
    """python-telegram-bot's Bot behind the shared sender, its exceptions translated to ours."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None, reply: Reply) -> int:
        async with _translated():
            sent = await self._bot.send_message(chat_id, text, reply_markup=_markup(keyboard), **_reply(reply))
        return sent.message_id

    async def send_document(
        self, chat_id: int, path: str, name: str | None, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int:
        data = await asyncio.to_thread(Path(path).read_bytes)
        async with _translated():
            sent = await self._bot.send_document(
                chat_id,
                data,
                filename=name or Path(path).name,
                caption=caption,
                reply_markup=_markup(keyboard),
                **_reply(reply),
            )
        return sent.message_id

    async def send_photo(
        self, chat_id: int, path: str, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int:
        data = await asyncio.to_thread(Path(path).read_bytes)
        async with _translated():
            sent = await self._bot.send_photo(
                chat_id,
                data,
                filename=Path(path).name,
                caption=caption,
                reply_markup=_markup(keyboard),
                **_reply(reply),
            )
        return sent.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None) -> int:
        async with _translated():
            edited = await self._bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
            )
        return edited.message_id if isinstance(edited, Message) else message_id

    async def create_topic(self, chat_id: int, name: str) -> int:
        async with _translated():
            topic = await self._bot.create_forum_topic(chat_id, name=name)
        return int(topic.message_thread_id)

    async def is_forum(self, chat_id: int) -> bool:
        async with _translated():
            chat = await self._bot.get_chat(chat_id)
        return bool(chat.is_forum)


@contextlib.asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except tg.RetryAfter as error:
        raise RetryAfter(retry_seconds(error)) from error
    except tg.Forbidden as error:
        raise Unreachable(error.message) from error
    except tg.BadRequest as error:  # before NetworkError: BadRequest is one of its subclasses
        raise BadMessage(error.message) from error
    except tg.InvalidToken as error:  # 401 (a wrong token) or 404, as aiogram tells them apart
        if "unauthorized" in error.message.lower():
            raise
        raise BadMessage(error.message) from error
    except (tg.NetworkError, TimeoutError) as error:  # TimedOut, 5xx, connection errors
        raise Temporary(str(error)) from error
    except tg.TelegramError as error:  # any other answer Telegram may give
        raise Temporary(f"{type(error).__name__}: {error}") from error


def retry_seconds(error: tg.RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives an int or (PTB_TIMEDELTA=true) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def build_application(settings: Settings, request_timeout: float) -> PtbApplication:
    """An Application on ``COCREA_TELEGRAM_API_URL`` with no updater, job queue or persistence."""
    api, timeout = settings.telegram_api_url, request_timeout
    return (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .job_queue(None)
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(CONCURRENT_UPDATES)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .media_write_timeout(max(timeout, 20.0))
        .get_updates_connect_timeout(timeout)
        .get_updates_read_timeout(timeout)  # + the long poll's wait
        .get_updates_write_timeout(timeout)
        .get_updates_pool_timeout(timeout)
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
        super().__init__(app, TelegramSender(PtbApi(self.bot)), request_timeout=request_timeout)

    def _decode(self, update: Mapping[str, Any]) -> Update:
        decoded = Update.de_json(dict(update), self.bot)
        if decoded is None:
            raise ValueError("not an update")
        return decoded

    async def _feed(self, update: Update) -> None:
        """Process one update through the Application (its update processor bounds concurrency)."""
        await self.application.update_processor.process_update(update, self.application.process_update(update))

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            self.answer_later(self._answer(update))
        raw = self.raw_update(update.update_id)
        await self.handle(raw if raw is not None else update.to_dict())

    async def _answer(self, update: Update) -> None:
        query = update.callback_query
        if query is not None:
            with contextlib.suppress(Exception):  # an expired query is harmless
                await query.answer()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)

    async def _set_commands(self, language: str, commands: list[CommandValue]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(c.command, c.description) for c in commands],
            scope=BotCommandScopeDefault(),
            language_code=language or None,
        )

    async def _initialise(self) -> None:
        await self.application.initialize()  # getMe, HTTP pools; does nothing the second time

    def _refused_token(self, error: Exception) -> bool:
        return isinstance(error, tg.InvalidToken)

    async def _close(self) -> None:
        await self.application.shutdown()  # closes the HTTP connection pools (nothing when never started)
