"""What a channel's sender may answer, in channel-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.messages import Outgoing


class SendError(Exception):
    """Base of the failures a sender reports."""


class RetryAfter(SendError):
    """The channel asks us to wait (Telegram 429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(SendError):
    """The person cannot be reached any more (blocked the bot, chat gone): stop trying."""


class BadMessage(SendError):
    """The channel refuses this message itself (400): retrying cannot help."""


class Temporary(SendError):
    """Network error, timeout or server error: try again later."""


@dataclass(frozen=True)
class Sent:
    """What the channel says about a message it accepted."""

    message_id: int
    thread_id: int | None = None  # the forum topic it went to


class Sender(Protocol):
    async def send(self, message: Outgoing) -> Sent | None:
        """Send ``message``; return its ids when the channel gives them."""
        ...
