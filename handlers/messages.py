"""The contract between channels and handlers: plain values, no channel library, no channel limits.

A channel adapter turns a platform event into an ``Incoming`` and hands it to the engine;
handlers answer with ``Outgoing`` values, each addressed to a recipient on a channel. How a
message is shown (keyboard rows, list messages, numbered lines) and within which limits is
the adapter's business: every adapter declares its limits in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

ContentType = Literal[
    "text",
    "command",
    "button",
    "location",
    "photo",
    "document",
    "sticker",
    "voice",
    "video",
    "audio",
    "contact",
    "other",
]


@dataclass(frozen=True)
class Address:
    """Where a message goes: a chat on a channel. Chat ids are strings (a WhatsApp id is a phone number)."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float

    @property
    def valid(self) -> bool:
        return -90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0


@dataclass(frozen=True)
class Incoming:
    """One event from a person, whatever the channel."""

    event_id: str
    """The channel's id of the event, recorded so that a redelivered event changes nothing."""
    channel: str
    chat_id: str
    user_id: str
    content_type: ContentType
    text: str = ""
    choice: str = ""
    """The id of the option the person chose (a button, a list row, a number typed in a terminal)."""
    language_hint: str = ""
    """The language the person's app reports, if any."""
    location: Location | None = None
    attachment_ids: tuple[str, ...] = ()
    reply_to: str | None = None
    """The id, on the channel, of the message this one answers."""
    message_id: str | None = None
    chat_type: str = "private"
    """``private`` for a person's own chat with the bot, anything else for a group."""
    thread: str | None = None
    """The thread (a Telegram forum topic) the message was written in."""
    user_name: str = ""
    """The person's name as the channel gives it (shown to staff only, for staff members)."""

    @property
    def address(self) -> Address:
        return Address(self.channel, self.chat_id)

    @property
    def command(self) -> str:
        """The command name without slash or bot suffix (``/start@cocrea_bot`` -> ``start``)."""
        if self.content_type != "command":
            return ""
        head = self.text.split(maxsplit=1)[0] if self.text.strip() else ""
        return head.lstrip("/").split("@", 1)[0].lower()

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"


@dataclass(frozen=True)
class Choice:
    """One option of a question: its id comes back in ``Incoming.choice`` when the person picks it."""

    id: str
    label: str
    short: str = ""
    """A shorter label for channels with tight limits (empty: the label is short enough)."""


Choices = tuple[tuple[Choice, ...], ...]
"""Options in rows: the rows are a layout hint that channels without rows flatten."""


@dataclass(frozen=True)
class Reference:
    """What a person's reply to a sent message refers to (a proposal's card, a question to its author…)."""

    purpose: str
    proposal_id: int | None = None
    participant_id: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient."""

    to: Address
    text: str
    choices: Choices = ()
    document_path: str | None = None
    document_name: str | None = None
    photo_path: str | None = None
    reply_to: str | None = None
    """Show it as an answer to this message of the recipient's chat (a channel message id)."""
    thread: str | None = None
    """Send it into this thread of the recipient's chat (an id the channel gave us earlier)."""
    new_thread: str | None = None
    """Open a thread with this title for it, where the channel has threads (one per proposal)."""
    replaces: str | None = None
    """Show it in place of this earlier message where the channel can edit messages."""
    answered: str = ""
    """The person's answer it follows (a button's label): a channel that shows it in place of the message with
    the buttons puts it above the text; one that shows the press as the person's own message leaves it out."""
    about: Reference | None = None
    """After sending, remember the sent message as referring to this (replies to it are routed by it)."""
    language: str = ""
    """The recipient's language, for the few words a channel adds itself (a list's button, a hint)."""
    subject: str = ""
    """What it is about, in a few words of the recipient's language (``tu propuesta UIO-0042``): a
    channel that may only announce a message before delivering it (WhatsApp's template) says this."""

    @property
    def options(self) -> list[Choice]:
        return [choice for row in self.choices for choice in row]

    def to_json(self) -> str:
        """The same JSON as ``json.dumps(dataclasses.asdict(self))``, built without ``asdict``'s deep copy of
        every value (a tenth of an update's work in the engine)."""
        data = dict(self.__dict__)
        data["to"] = dict(self.to.__dict__)
        data["choices"] = [[dict(choice.__dict__) for choice in row] for row in self.choices]
        if self.about is not None:
            data["about"] = dict(self.about.__dict__)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Outgoing:
        data: dict[str, Any] = json.loads(raw)
        to = Address(**data.pop("to"))
        rows = tuple(tuple(Choice(**c) for c in row) for row in data.pop("choices", []))
        about = data.pop("about", None)
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        return cls(to=to, choices=rows, about=Reference(**about) if about else None, **known)


@dataclass(frozen=True)
class Sent:
    """What a channel says about a message it accepted: its id there, and the thread it went to."""

    message_id: str | None = None
    thread: str | None = None
    also: tuple[str, ...] = ()
    """The ids of the other messages the channel split it into (a long text before its buttons)."""


@dataclass(frozen=True)
class BotCommand:
    command: str
    description: str


def fit(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis: the one place a text is shortened for a channel."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
