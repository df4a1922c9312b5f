"""What a step function gets: the incoming event, the unit of work, and a way to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from handlers.consultation import Consultation
from handlers.i18n import Catalogs, Translator
from handlers.messages import MAX_TEXT_CHARS, Button, Incoming, Outgoing
from storage.models import Conversation, Participant
from storage.uow import UnitOfWork

Keyboard = tuple[tuple[Button, ...], ...]


@dataclass
class Context:
    incoming: Incoming
    uow: UnitOfWork
    consultation: Consultation
    catalogs: Catalogs
    now: datetime
    tr: Translator
    participant: Participant | None = None
    conversation: Conversation | None = None
    replies: list[Outgoing] = field(default_factory=list)
    moderators_chat_id: int | None = None
    data_dir: Path = Path("data")
    """Where files sent to people (staff exports, charts) are written before the outbox sends them."""

    def say(self, text: str, buttons: Keyboard = ()) -> None:
        self.replies.append(Outgoing(chat_id=self.incoming.chat_id, text=fit(text), buttons=buttons))

    def send_to(self, message: Outgoing) -> None:
        """A message to someone other than the sender (the moderators, a proposal's author)."""
        self.replies.append(message)

    def use_language(self, language: str) -> None:
        self.tr = self.catalogs.get(language, self.consultation.timezone)

    @property
    def language(self) -> str:
        return self.tr.language


def fit(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Never send more than Telegram accepts: cut long texts with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_per_row(buttons: list[Button]) -> Keyboard:
    return tuple((button,) for button in buttons)


def rows_of(buttons: list[Button], width: int) -> Keyboard:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))
