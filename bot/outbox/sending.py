"""What a channel's sender may answer, in channel-neutral terms, and the limits each channel declares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.messages import Outgoing, Sent


class SendError(Exception):
    """Base of the failures a sender reports."""


class RetryAfter(SendError):
    """The channel asks us to wait: before this person's next message (Telegram 429, WhatsApp 131056),
    or, with ``everyone``, before anyone's (WhatsApp 130429, the number's throughput)."""

    def __init__(self, seconds: float, *, everyone: bool = False) -> None:
        super().__init__(f"retry after {seconds} s" + (" (everyone)" if everyone else ""))
        self.seconds = seconds
        self.everyone = everyone


class Unreachable(SendError):
    """The person cannot be reached any more (blocked the bot, chat gone): stop trying."""


class BadMessage(SendError):
    """The channel refuses this message itself (400): retrying cannot help."""


class CredentialsRefused(Exception):
    """The channel refuses our token or key (401): retrying cannot help, the operator must fix a setting."""


class Temporary(SendError):
    """Network error, timeout or server error: try again later."""


class WaitForPerson(SendError):
    """The channel may not deliver this now (WhatsApp outside the 24-hour window): keep it until the
    person writes again."""


@dataclass(frozen=True)
class Pace:
    """How fast a channel lets us send: in total, per person, per group (default: Telegram's limits)."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    chat_burst: int = 3
    per_group_per_minute: float = 20.0


@dataclass(frozen=True)
class ChannelLimits:
    """Everything a channel's renderer must respect, declared in one place per channel."""

    text: int
    """Characters in a text message."""
    caption: int
    """Characters in a photo's or document's caption."""
    option_id_bytes: int
    """Bytes of an option's id in a button."""
    option_label: int
    """Characters of a button's label."""
    options_per_message: int
    """Options shown as buttons."""
    can_edit: bool
    has_threads: bool
    list_rows: int = 0
    """Options shown as a list, where buttons are too few (0: no lists)."""
    list_label: int = 0
    """Characters of a list row's title."""
    list_description: int = 0
    """Characters of a list row's description."""
    list_button: int = 0
    """Characters of the button that opens a list."""
    text_with_options: int = 0
    """Characters of a message's text when it carries options (0: as any text)."""
    receipts: bool = False
    """The channel reports delivery and reading of what it accepted (then the outbox keeps the row)."""


class Sender(Protocol):
    def is_group(self, chat_id: str) -> bool:
        """Whether ``chat_id`` is a group (paced per minute) rather than a person."""
        ...

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        """Send ``message``; report its id (and thread) when the channel gives them. ``reference`` names
        the outbox row, for channels that echo it in their receipts."""
        ...
