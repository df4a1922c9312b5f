"""``cocrea chat``: the same conversation in a terminal, on the same handlers and database.

Buttons are shown as numbered choices: type the number to press one. Type
``/location LAT,LON`` or ``/photo`` to send a location or a photo.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TextIO

from bot.app import App
from bot.sending import Sent
from handlers.messages import Button, Incoming, Location, Outgoing

CHANNEL = "terminal"


class TerminalSender:
    def __init__(self, out: TextIO, remember: Callable[[list[Button]], None]) -> None:
        self._out = out
        self._remember = remember

    async def send(self, message: Outgoing) -> Sent | None:
        self._out.write(f"\n{message.text}\n")
        flat = [button for row in message.buttons for button in row]
        for number, button in enumerate(flat, start=1):
            self._out.write(f"  [{number}] {button.label}\n")
        if flat:
            self._remember(flat)
        self._out.flush()
        return None


class TerminalChat:
    def __init__(self, app: App, user_id: int = 1, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.user_id = user_id
        self._buttons: list[Button] = []
        self._out = out
        self.delivery = app.delivery(TerminalSender(out, self._remember), CHANNEL)

    def _remember(self, buttons: list[Button]) -> None:
        self._buttons = buttons

    def to_incoming(self, line: str) -> Incoming:
        update_id = time.time_ns() // 1000
        event = partial(Incoming, update_id, CHANNEL, self.user_id, self.user_id)
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._buttons):
            return event("button", button_data=self._buttons[int(stripped) - 1].data)
        if stripped.startswith("/location"):
            try:
                lat, lon = (float(part) for part in stripped.removeprefix("/location").split(","))
                return event("location", location=Location(lat, lon))
            except ValueError:
                return event("other")
        if stripped == "/photo":
            return event("photo", attachment_ids=(f"terminal-photo-{update_id}",))
        return event("command" if stripped.startswith("/") else "text", text=line.rstrip("\n"))

    async def say(self, line: str) -> None:
        await self.app.engine.handle(self.to_incoming(line), self.delivery.deliver)

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        reader = read_line or _read_stdin_line
        self._out.write("cocrea chat — type /start to begin, a number to press a button, Ctrl-D to quit.\n")
        await self.delivery.drain_once()
        while True:
            line = await asyncio.to_thread(reader)
            if line == "":
                self._out.write("\n")
                return
            if line.strip():
                await self.say(line)


def _read_stdin_line() -> str:
    try:
        sys.stdout.write("> ")
        sys.stdout.flush()
        return sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return ""
