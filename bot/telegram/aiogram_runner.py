"""The aiogram 3 runner: framework updates in, ``Outgoing`` messages out. No business rule here."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    CreateForumTopic,
    DeleteWebhook,
    EditMessageText,
    GetChat,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods.base import Response
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

from bot.app import App
from bot.outbox.sending import BadMessage, RetryAfter, Temporary, Unreachable
from bot.telegram.runner import TelegramRunner
from bot.telegram.sender import Keyboard, Reply, TelegramSender
from handlers.messages import BotCommand as CommandValue

log = logging.getLogger(__name__)
MARKUPS_KEPT = 1024

PINNED_RESPONSES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        SendDocument,
        SendPhoto,
        EditMessageText,
        CreateForumTopic,
        GetChat,
        SetMyCommands,
        AnswerCallbackQuery,
        DeleteWebhook,
        SetWebhook,
    )
)
"""aiogram reads each answer as ``Response[the method's type]``, a pydantic generic that pydantic caches only
weakly: every garbage collection dropped them and the next answers rebuilt them (391 classes built in one
200-citizen run, about 1 ms of CPU per update). Holding the types the bot uses keeps them built."""


def _markup(rows: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return _built_markup(tuple(tuple(row) for row in rows))


@functools.lru_cache(maxsize=MARKUPS_KEPT)
def _built_markup(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    """A keyboard built once for its buttons: aiogram's models validate every button when built (pydantic), and
    the bot sends the same few hundred keyboards again and again. aiogram only reads it to send it."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in rows]
    )


def _reply(reply: Reply) -> dict[str, Any]:
    options: dict[str, Any] = {"message_thread_id": reply.thread}
    if reply.reply_to is not None:
        options["reply_parameters"] = ReplyParameters(message_id=reply.reply_to, allow_sending_without_reply=True)
    return options


class AiogramApi:
    """aiogram's Bot behind the shared sender, its exceptions translated to ours."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None, reply: Reply) -> int:
        async with _translated():
            sent = await self._bot.send_message(chat_id, text, reply_markup=_markup(keyboard), **_reply(reply))
        return sent.message_id

    async def send_document(
        self, chat_id: int, path: str, name: str | None, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int:
        async with _translated():
            sent = await self._bot.send_document(
                chat_id,
                FSInputFile(path, filename=name),
                caption=caption,
                reply_markup=_markup(keyboard),
                **_reply(reply),
            )
        return sent.message_id

    async def send_photo(
        self, chat_id: int, path: str, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int:
        async with _translated():
            sent = await self._bot.send_photo(
                chat_id, FSInputFile(path), caption=caption, reply_markup=_markup(keyboard), **_reply(reply)
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
        return topic.message_thread_id

    async def is_forum(self, chat_id: int) -> bool:
        async with _translated():
            chat = await self._bot.get_chat(chat_id)
        return bool(chat.is_forum)


@contextlib.asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except TelegramRetryAfter as error:
        raise RetryAfter(error.retry_after) from error
    except TelegramForbiddenError as error:
        raise Unreachable(error.message) from error
    except (TelegramBadRequest, TelegramNotFound) as error:
        raise BadMessage(error.message) from error
    except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
        raise Temporary(str(error)) from error
    except (TelegramAPIError, ClientDecodeError) as error:  # any other answer (e.g. a proxy's HTML 502 page)
        raise Temporary(f"{type(error).__name__}: {error}") from error


async def _answer(query: CallbackQuery) -> None:
    with contextlib.suppress(Exception):
        await query.answer()  # an expired query is harmless


class AiogramRunner(TelegramRunner):
    """The aiogram 3 runner: a Dispatcher with one handler per update kind, nothing else."""

    bot: Bot

    def __init__(self, app: App, *, request_timeout: float = 30.0) -> None:
        settings = app.settings
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url), timeout=request_timeout)
        self.bot = Bot(settings.require_token(), session=session)
        super().__init__(app, TelegramSender(AiogramApi(self.bot)), request_timeout=request_timeout)
        self.dispatcher = Dispatcher()
        self.dispatcher.message.register(self._on_message)
        self.dispatcher.callback_query.register(self._on_callback)

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self._handle(event_update)

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        self.answer_later(_answer(query))
        await self._handle(event_update)

    async def _handle(self, update: Update) -> None:
        raw = self.raw_update(update.update_id)
        await self.handle(raw if raw is not None else update.model_dump(mode="json", by_alias=True, exclude_none=True))

    def _decode(self, update: Mapping[str, Any]) -> Update:
        return Update.model_validate(dict(update), context={"bot": self.bot})

    async def _feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    async def _set_commands(self, language: str, commands: list[CommandValue]) -> None:
        await self.bot.set_my_commands(
            [BotCommand(command=c.command, description=c.description) for c in commands],
            scope=BotCommandScopeDefault(),
            language_code=language or None,
        )

    async def _initialise(self) -> None:
        """aiogram needs nothing before its first call."""

    def _refused_token(self, error: Exception) -> bool:
        return isinstance(error, TelegramUnauthorizedError)

    async def _close(self) -> None:
        await self.bot.session.close()
