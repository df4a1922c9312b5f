"""A scripted person at ``cocrea chat``: the same script as on Telegram, typed into the terminal.

The terminal shows a message as one write (``"\\n<text>\\n"``) and each option as a numbered line;
``Screen`` keeps the writes apart so that the test reads back exactly what was shown."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from bot.terminal import TerminalChat
from handlers.messages import Incoming

OPTION = re.compile(r"  \[(\d+)\] (.*)\n", re.DOTALL)


@dataclass
class Shown:
    text: str
    labels: list[str] = field(default_factory=list)


class Screen(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Shown] = []

    def write(self, text: str) -> int:
        option = OPTION.fullmatch(text)
        if option is not None and self.shown:
            self.shown[-1].labels.append(option.group(2))
        elif text.startswith("\n") and text.endswith("\n") and text.strip():
            self.shown.append(Shown(text[1:-1]))
        return super().write(text)


class TerminalUser:
    def __init__(self, chat: TerminalChat, screen: Screen) -> None:
        self.chat = chat
        self.screen = screen
        self._consumed = 0

    @property
    def inbox(self) -> list[Shown]:
        return self.screen.shown

    @property
    def app_language(self) -> str:
        return self.chat.language

    async def send(self, text: str) -> None:
        await self.chat.say(text)

    async def send_sticker(self) -> None:
        """What a terminal cannot type: the chat's engine gets a sticker as a channel would hand it over."""
        chat = self.chat
        sticker = Incoming(chat.to_incoming("x").event_id, "terminal", chat.user_id, chat.user_id, "sticker")
        await chat.app.engine.handle(sticker, chat.delivery.deliver)

    async def press(self, label: str) -> None:
        labels = next((shown.labels for shown in reversed(self.inbox) if shown.labels), [])
        if label not in labels:
            raise AssertionError(f"no option {label!r}; the last ones are {labels}")
        await self.chat.say(str(labels.index(label) + 1))

    async def expect(self, contains: str | None = None) -> Shown:
        if len(self.inbox) <= self._consumed:
            raise AssertionError(f"nothing new on the screen (last: {self.inbox[-1].text if self.inbox else '-'})")
        shown = self.inbox[self._consumed]
        self._consumed += 1
        if contains is not None and contains not in shown.text:
            raise AssertionError(f"expected {contains!r}, the screen shows {shown.text!r}")
        return shown

    async def expect_silence(self) -> None:
        if len(self.inbox) > self._consumed:
            raise AssertionError(f"expected silence, the screen shows {self.inbox[self._consumed].text!r}")
