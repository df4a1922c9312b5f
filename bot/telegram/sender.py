"""Sending to Telegram, once for both libraries: the rendering within Telegram's limits, forum topics,
edits and what Telegram's refusals mean. Each library supplies only a ``TelegramApi`` — its own
calls and its own exceptions, translated to ours with Telegram's description."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from bot.outbox.sending import BadMessage, ChannelLimits, Unreachable
from handlers.messages import Choice, Outgoing, Sent, fit

log = logging.getLogger(__name__)

LIMITS = ChannelLimits(
    text=4096,
    caption=1024,
    option_id_bytes=64,
    option_label=64,
    options_per_message=100,
    can_edit=True,
    has_threads=True,
)
TOPIC_NAME_CHARS = 128
EDIT_REFUSED = ("message to edit not found", "message can't be edited")
"""Telegram's words when a message cannot be edited any more (deleted by the person, too old): it is sent anew."""
CHANNEL = "telegram"

Keyboard = list[list[tuple[str, str]]]
"""Rows of (label, callback data)."""


@dataclass(frozen=True)
class Reply:
    """Where a new message goes besides its chat: a forum topic, and the message it answers."""

    thread: int | None = None
    reply_to: int | None = None


class TelegramApi(Protocol):
    """The few Bot API calls the sender needs; errors come as ``SendError``s with Telegram's description."""

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None, reply: Reply) -> int: ...
    async def send_document(
        self, chat_id: int, path: str, name: str | None, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int: ...
    async def send_photo(
        self, chat_id: int, path: str, caption: str | None, keyboard: Keyboard | None, reply: Reply
    ) -> int: ...
    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None) -> int: ...
    async def create_topic(self, chat_id: int, name: str) -> int: ...
    async def is_forum(self, chat_id: int) -> bool: ...


def keyboard(choices: list[list[Choice]] | tuple[tuple[Choice, ...], ...]) -> Keyboard | None:
    """Inline keyboard rows; an option id over Telegram's 64 bytes is a bug in our code, never sent cut."""
    rows: Keyboard = []
    for row in choices:
        for choice in row:
            size = len(choice.id.encode("utf-8"))
            if not 1 <= size <= LIMITS.option_id_bytes:
                raise BadMessage(f"option id must be 1-{LIMITS.option_id_bytes} bytes, got {size}: {choice.id!r}")
        rows.append([(fit(choice.label, LIMITS.option_label), choice.id) for choice in row])
    return rows or None


def is_group(chat_id: str) -> bool:
    """Telegram's group and channel chat ids are negative."""
    return chat_id.startswith("-")


class TelegramSender:
    """Outgoing messages to Telegram through one library's ``TelegramApi``."""

    def __init__(self, api: TelegramApi) -> None:
        self._api = api
        self.forums: set[int] = set()

    def is_group(self, chat_id: str) -> bool:
        return is_group(chat_id)

    async def learn(self, chat_id: str) -> None:
        """Remember whether ``chat_id`` (the moderators' group) is a forum, with a topic per proposal."""
        try:
            if await self._api.is_forum(int(chat_id)):
                self.forums.add(int(chat_id))
        except Exception as error:  # a wrong id must not stop the bot: cards go out as plain messages
            log.warning("cannot read the moderators' chat %s (%s); not using forum topics", chat_id, error)

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        try:
            return await self._send(message)
        except BadMessage as error:
            description = str(error).lower()
            if "chat not found" in description:
                raise Unreachable(str(error)) from error
            if "message is not modified" in description and message.replaces is not None:
                return Sent(message.replaces)
            if message.replaces is not None and any(refusal in description for refusal in EDIT_REFUSED):
                return await self._send(replace(message, replaces=None))  # gone or too old: said anew
            raise

    async def _send(self, message: Outgoing) -> Sent:
        chat_id = int(message.to.chat_id)
        markup = keyboard(message.choices)
        if message.answered:  # shown where the buttons were: the person's choice stays readable above
            message = replace(message, text=f"✓ {message.answered}\n\n{message.text}")
        if message.replaces is not None:
            edited = await self._api.edit_text(chat_id, int(message.replaces), fit(message.text, LIMITS.text), markup)
            return Sent(str(edited))
        thread = await self._thread(chat_id, message)
        reply = Reply(thread, int(message.reply_to) if message.reply_to else None)
        caption = fit(message.text, LIMITS.caption) or None
        if message.document_path:
            sent = await self._api.send_document(
                chat_id, message.document_path, message.document_name, caption, markup, reply
            )
        elif message.photo_path:
            sent = await self._api.send_photo(chat_id, message.photo_path, caption, markup, reply)
        else:
            sent = await self._api.send_text(chat_id, fit(message.text, LIMITS.text), markup, reply)
        return Sent(str(sent), str(thread) if thread is not None else None)

    async def _thread(self, chat_id: int, message: Outgoing) -> int | None:
        """The forum topic a message goes to: a new one when it opens a thread in a forum."""
        if message.new_thread and chat_id in self.forums:
            return await self._api.create_topic(chat_id, fit(message.new_thread, TOPIC_NAME_CHARS))
        return int(message.thread) if message.thread else None
