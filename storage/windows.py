"""What a channel with a reply window needs to know before sending to a chat, read without taking the
writers' turn (a read-only connection), so that a sender never queues behind write transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.database import READ_ONLY, Database
from storage.models import Conversation, OutboxMessage


@dataclass(frozen=True)
class ChatWindow:
    conversation: bool
    """The chat has a conversation (the person consented and did not delete their data)."""
    last_seen_at: datetime | None
    """When the person last wrote."""
    language: str
    waiting: bool
    """Messages wait for the person in the outbox."""


async def chat_window(database: Database, channel: str, chat_id: str) -> ChatWindow:
    async with database.engine.connect() as connection:
        reading = await connection.execution_options(**READ_ONLY)
        found = (
            await reading.execute(
                select(Conversation.last_seen_at, Conversation.language).where(
                    Conversation.channel == channel, Conversation.chat_id == chat_id
                )
            )
        ).first()
        waiting = (
            await reading.execute(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.chat_id == chat_id,
                    OutboxMessage.status == "waiting",
                )
                .limit(1)
            )
        ).first()
    if found is None:
        return ChatWindow(False, None, "", waiting is not None)
    return ChatWindow(True, found.last_seen_at, found.language, waiting is not None)
