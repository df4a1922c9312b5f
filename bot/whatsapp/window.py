"""WhatsApp's customer-service window: a business may write freely only within 24 hours of the
person's last message; after that only an approved template (the doorbell) may go.

The engine notes when each person last wrote (``conversations.last_seen_at``). A chat without a
conversation is someone who has not consented yet or just deleted their data: they only ever get
answers to what they just wrote, so their window is open. Messages for a chat that already has
messages waiting wait behind them, so that nothing overtakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.whatsapp.render import CHANNEL
from storage.database import Database
from storage.windows import chat_window

WINDOW = timedelta(hours=24)
MARGIN = timedelta(minutes=2)
"""A message must reach Meta before the window closes: one that would arrive in its last minutes waits."""


@dataclass(frozen=True)
class Gate:
    open: bool
    """Free-form messages may go now."""
    others_waiting: bool
    """Messages already wait for this person (the doorbell has rung)."""
    language: str
    """The person's language ("" when unknown)."""


class Windows:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._clock = clock

    async def gate(self, chat_id: str) -> Gate:
        window = await chat_window(self._database, CHANNEL, chat_id)
        if not window.conversation:
            return Gate(not window.waiting, window.waiting, "")
        last = window.last_seen_at
        in_window = last is not None and self._clock() - last < WINDOW - MARGIN
        return Gate(in_window and not window.waiting, window.waiting, window.language)
