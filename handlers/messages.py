"""The contract between runners and handlers: plain values, no framework types.

A runner turns a framework update into an ``Incoming`` and hands it to the
engine; the engine answers with ``Outgoing`` values that the runner sends.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

MAX_TEXT_CHARS = 4096
MAX_CALLBACK_BYTES = 64
MAX_CAPTION_CHARS = 1024

ContentType = Literal[
    "text", "command", "button", "location", "photo", "document",
    "sticker", "voice", "video", "audio", "contact", "other",
]


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Incoming:
    """One event from a person, whatever the channel."""

    update_id: int
    channel: str
    chat_id: int
    user_id: int
    content_type: ContentType
    text: str = ""
    button_data: str = ""
    language_code: str = ""
    location: Location | None = None
    attachment_ids: tuple[str, ...] = ()
    reply_to_message_id: int | None = None
    message_id: int | None = None
    chat_type: str = "private"
    thread_id: int | None = None
    """The forum topic the message was written in."""

    @property
    def command(self) -> str:
        """The command name without slash or bot suffix (``/start@cocrea_bot`` -> ``start``)."""
        if self.content_type != "command":
            return ""
        head = self.text.split(maxsplit=1)[0] if self.text.strip() else ""
        return head.lstrip("/").split("@", 1)[0].lower()


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data must be 1-64 bytes, got {size}: {self.data!r}")


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``buttons`` is a list of rows of inline buttons."""

    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit_message_id: int | None = None
    document_path: str | None = None
    document_name: str | None = None
    photo_path: str | None = None
    reply_to_message_id: int | None = None
    thread_id: int | None = None
    link: dict[str, int | str] | None = None
    """After sending, remember the sent message as referring to these ids (e.g. a proposal's card)."""
    topic: str | None = None
    """In a forum group, open a topic with this name and send the message there (one per proposal)."""

    def __post_init__(self) -> None:
        limit = MAX_CAPTION_CHARS if (self.document_path or self.photo_path) else MAX_TEXT_CHARS
        if len(self.text) > limit:
            raise ValueError(f"message text is {len(self.text)} characters, over {limit}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Outgoing:
        data: dict[str, Any] = json.loads(raw)
        rows = tuple(tuple(Button(**b) for b in row) for row in data.pop("buttons", []))
        return cls(buttons=rows, **data)


@dataclass(frozen=True)
class BotCommand:
    command: str
    description: str
