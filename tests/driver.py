"""A scripted citizen that talks to the engine directly (no Telegram), for unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.delivery import Delivery
from handlers.engine import Engine
from handlers.messages import Incoming, Location, Outgoing


@dataclass
class RecordingSender:
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing) -> int | None:
        self.sent.append(message)
        return len(self.sent)


class Counter:
    def __init__(self) -> None:
        self.value = 1000

    def __call__(self) -> int:
        self.value += 1
        return self.value


@dataclass
class Citizen:
    engine: Engine
    delivery: Delivery
    sender: RecordingSender
    next_update_id: Callable[[], int]
    user_id: int = 501
    language_code: str = "es"
    inbox: list[Outgoing] = field(default_factory=list)

    async def _deliver(self, incoming: Incoming) -> list[Outgoing]:
        before = len(self.sender.sent)
        await self.engine.handle(incoming, self.delivery.deliver)
        new = [m for m in self.sender.sent[before:] if m.chat_id == self.user_id]
        self.inbox.extend(new)
        return new

    def incoming(self, **values: Any) -> Incoming:
        base: dict[str, Any] = {"update_id": self.next_update_id(), "channel": "telegram",
                                "chat_id": self.user_id, "user_id": self.user_id,
                                "language_code": self.language_code}
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
            buttons = [b for row in message.buttons for b in row]
            if buttons:
                for button in buttons:
                    if button.label == label:
                        return await self.press_data(button.data)
                raise AssertionError(f"no button {label!r}; the last keyboard has {[b.label for b in buttons]}")
        raise AssertionError("no message with buttons yet")

    async def press_data(self, data: str) -> list[Outgoing]:
        return await self._deliver(self.incoming(content_type="button", button_data=data))

    async def replay(self, incoming: Incoming) -> list[Outgoing]:
        return await self._deliver(incoming)

    @property
    def last(self) -> Outgoing:
        assert self.inbox, "the bot has said nothing yet"
        return self.inbox[-1]

    def labels(self) -> list[str]:
        return [b.label for row in self.last.buttons for b in row]


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment
