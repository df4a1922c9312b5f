"""Telegram's update JSON → ``Incoming``. Shared by both runners, so they cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.telegram.sender import CHANNEL
from handlers.messages import ContentType, Incoming, Location

ALLOWED_UPDATES = ["message", "callback_query"]
_MEDIA: tuple[tuple[str, ContentType], ...] = (
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("video_note", "video"),
    ("video", "video"),
    ("audio", "audio"),
    ("document", "document"),
    ("contact", "contact"),
    ("animation", "video"),
)


def incoming_from_update(update: Mapping[str, Any]) -> Incoming | None:
    """The plain event of an update, or None for kinds the bot does not handle."""
    update_id = str(int(update["update_id"]))
    if query := update.get("callback_query"):
        return _from_callback(update_id, query)
    if message := update.get("message"):
        return _from_message(update_id, message)
    return None


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _name(user: Mapping[str, Any]) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def _thread(message: Mapping[str, Any]) -> str | None:
    return _id(message.get("message_thread_id")) if message.get("is_topic_message") else None


def _from_callback(update_id: str, query: Mapping[str, Any]) -> Incoming:
    sender = query.get("from") or {}
    message = query.get("message") or {}
    chat = message.get("chat") or {"id": sender.get("id", 0), "type": "private"}
    return Incoming(
        event_id=update_id,
        channel=CHANNEL,
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id", 0)),
        content_type="button",
        choice=str(query.get("data") or ""),
        language_hint=str(sender.get("language_code") or ""),
        message_id=_id(message.get("message_id")),
        chat_type=str(chat.get("type", "private")),
        thread=_thread(message),
        user_name=_name(sender),
    )


def _from_message(update_id: str, message: Mapping[str, Any]) -> Incoming:
    sender = message.get("from") or {}
    chat = message["chat"]
    content_type, text, location, attachments = _content(message)
    reply = message.get("reply_to_message") or {}
    return Incoming(
        event_id=update_id,
        channel=CHANNEL,
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id", chat["id"])),
        content_type=content_type,
        text=text,
        language_hint=str(sender.get("language_code") or ""),
        location=location,
        attachment_ids=attachments,
        reply_to=_id(reply.get("message_id")),
        message_id=_id(message.get("message_id")),
        chat_type=str(chat.get("type", "private")),
        thread=_thread(message),
        user_name=_name(sender),
    )


def _content(message: Mapping[str, Any]) -> tuple[ContentType, str, Location | None, tuple[str, ...]]:
    if (text := message.get("text")) is not None:
        entities = message.get("entities") or []
        is_command = any(e.get("type") == "bot_command" and e.get("offset") == 0 for e in entities)
        return ("command" if is_command else "text"), str(text), None, ()
    if (point := message.get("location")) is not None:
        return "location", "", Location(float(point["latitude"]), float(point["longitude"])), ()
    if photos := message.get("photo"):
        largest = max(photos, key=lambda size: size.get("width", 0) * size.get("height", 0))
        return "photo", str(message.get("caption") or ""), None, (str(largest["file_id"]),)
    for key, kind in _MEDIA:
        if key in message:
            return kind, str(message.get("caption") or ""), None, ()
    return "other", "", None, ()
