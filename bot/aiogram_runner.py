"""The aiogram 3 runner: framework updates in, ``Outgoing`` messages out. No business rule here."""

from __future__ import annotations

import contextlib
import logging
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

from bot.app import App
from bot.forums import ForumTopics
from bot.runner_base import TelegramRunner
from bot.sending import BadMessage, RetryAfter, Sent, Temporary, Unreachable
from bot.telegram_updates import ALLOWED_UPDATES, incoming_from_update
from handlers.messages import BotCommand as CommandValue
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


async def _answer(query: CallbackQuery) -> None:
    with contextlib.suppress(Exception):
        await query.answer()  # an expired query is harmless


def _markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row] for row in message.buttons
    ])


class AiogramRunner(TelegramRunner):
    """The aiogram 3 runner: a Dispatcher with one handler per update kind, nothing else."""

    bot: Bot

    def __init__(self, app: App, *, request_timeout: float = 30.0) -> None:
        settings = app.settings
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url), timeout=request_timeout)
        self.bot = Bot(settings.require_token(), session=session)
        super().__init__(app, AiogramSender(self.bot))
        self.dispatcher = Dispatcher()
        self.dispatcher.message.register(self._on_message)
        self.dispatcher.callback_query.register(self._on_callback)

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self._handle(event_update)

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        self.answer_later(_answer(query))
        await self._handle(event_update)

    async def _handle(self, update: Update) -> None:
        incoming = incoming_from_update(update.model_dump(mode="json", by_alias=True, exclude_none=True))
        if incoming is not None:
            await self.app.engine.handle(incoming, self.delivery.deliver)

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

    async def _set_commands(self, language: str, commands: list[CommandValue]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(command=c.command, description=c.description) for c in commands],
            scope=BotCommandScopeDefault(), language_code=language or None)

    async def _initialise(self) -> None:
        """aiogram needs nothing before its first call."""

    async def _close(self) -> None:
        await self.bot.session.close()

    def webhook_app(self) -> web.Application:
        settings = self.app.settings
        application = web.Application()
        handler = SimpleRequestHandler(
            dispatcher=self.dispatcher, bot=self.bot, handle_in_background=False,
            secret_token=settings.webhook_secret,
        )
        handler.register(application, path=settings.webhook_path)
        return application
