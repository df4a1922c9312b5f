"""A scripted citizen that talks to the engine directly (no Telegram), for unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.outbox.delivery import Delivery
from bot.outbox.pacing import Pacer
from bot.outbox.sending import Pace
from handlers.engine import Engine
from handlers.messages import Incoming, Location, Outgoing, Sent


@dataclass
class RecordingSender:
    """Records what would be sent; group chats are those whose id starts with '-' (as on Telegram)."""

    sent: list[Outgoing] = field(default_factory=list)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        self.sent.append(message)
        return Sent(str(len(self.sent)), message.thread)


class Counter:
    def __init__(self) -> None:
        self.value = 1000

    def __call__(self) -> str:
        self.value += 1
        return str(self.value)


@dataclass
class Citizen:
    engine: Engine
    delivery: Delivery
    sender: RecordingSender
    next_event_id: Callable[[], str]
    user_id: str = "501"
    language_code: str = "es"
    channel: str = "telegram"

    @property
    def inbox(self) -> list[Outgoing]:
        """Everything the bot sent to this citizen's chat, whatever caused it."""
        return [m for m in self.sender.sent if m.to.chat_id == self.user_id and m.to.channel == self.channel]

    async def _deliver(self, incoming: Incoming) -> list[Outgoing]:
        """The replies to this chat are sent in its turn; the rest (cards, notices) as the drainer would."""
        before = len(self.sender.sent)
        await self.engine.handle(incoming, self.delivery.deliver)
        await self.delivery.drain_once()
        return [m for m in self.sender.sent[before:] if m.to.chat_id == self.user_id]

    def incoming(self, **values: Any) -> Incoming:
        base: dict[str, Any] = {
            "event_id": self.next_event_id(),
            "channel": self.channel,
            "chat_id": self.user_id,
            "user_id": self.user_id,
            "language_hint": self.language_code,
        }
        base.update(values)
        return Incoming(**base)

    async def send(self, text: str) -> list[Outgoing]:
        kind = "command" if text.startswith("/") else "text"
        return await self._deliver(self.incoming(content_type=kind, text=text))

    async def send_kind(self, kind: str, **values: Any) -> list[Outgoing]:
        return await self._deliver(self.incoming(content_type=kind, **values))

    async def send_location(self, latitude: float, longitude: float) -> list[Outgoing]:
        return await self.send_kind("location", location=Location(latitude, longitude))

    async def press(self, label: str) -> list[Outgoing]:
        for message in reversed(self.inbox):
            options = message.options
            if options:
                for option in options:
                    if option.label == label:
                        return await self.press_data(option.id)
                raise AssertionError(f"no button {label!r}; the last keyboard has {[o.label for o in options]}")
        raise AssertionError("no message with buttons yet")

    async def press_data(self, data: str) -> list[Outgoing]:
        return await self._deliver(self.incoming(content_type="button", choice=data))

    async def replay(self, incoming: Incoming) -> list[Outgoing]:
        return await self._deliver(incoming)

    @property
    def last(self) -> Outgoing:
        assert self.inbox, "the bot has said nothing yet"
        return self.inbox[-1]

    def labels(self) -> list[str]:
        return [o.label for o in self.last.options]


UNLIMITED = Pace(per_second=1e6, per_chat_per_second=1e6, chat_burst=1000, per_group_per_minute=1e8)


def fast_pacer() -> Pacer:
    return Pacer(UNLIMITED)


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


@dataclass
class Moderator:
    """A staff member in the moderators' group (chat ``group_id``)."""

    engine: Engine
    delivery: Delivery
    sender: RecordingSender
    next_event_id: Callable[[], str]
    user_id: str = "900"
    group_id: str = "-100200"

    def group_messages(self) -> list[tuple[str, Outgoing]]:
        """(message id, message) of everything the bot posted in the group."""
        return [(str(i + 1), m) for i, m in enumerate(self.sender.sent) if m.to.chat_id == self.group_id]

    def find(self, contains: str) -> str:
        """The id of the latest group message containing ``contains``."""
        for message_id, message in reversed(self.group_messages()):
            if contains in message.text:
                return message_id
        raise AssertionError(f"no group message contains {contains!r}")

    def _incoming(self, **values: Any) -> Incoming:
        base: dict[str, Any] = {
            "event_id": self.next_event_id(),
            "channel": "telegram",
            "chat_id": self.group_id,
            "user_id": self.user_id,
            "chat_type": "supergroup",
            "message_id": self.next_event_id(),
        }
        base.update(values)
        return Incoming(**base)

    async def reply(self, to_message_id: str, text: str) -> list[Outgoing]:
        return await self._deliver(self._incoming(content_type="text", text=text, reply_to=to_message_id))

    async def press(self, data: str) -> list[Outgoing]:
        return await self._deliver(self._incoming(content_type="button", choice=data))

    async def _deliver(self, incoming: Incoming) -> list[Outgoing]:
        before = len(self.sender.sent)
        await self.engine.handle(incoming, self.delivery.deliver)
        await self.delivery.drain_once()
        return self.sender.sent[before:]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until ``check()`` holds (a condition on state we cannot subscribe to, like a table)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition still false after {timeout}s")
        await asyncio.sleep(0.02)
