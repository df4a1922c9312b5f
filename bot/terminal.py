"""``cocrea chat``: the same conversation in a terminal, on the same handlers and database.

Options are shown as numbered lines: type the number to choose one. Type
``/location LAT,LON`` or ``/photo`` to send a location or a photo.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TextIO

from bot.app import App
from handlers.messages import Choice, Incoming, Location, Outgoing, Sent

CHANNEL = "terminal"


class TerminalSender:
    def __init__(self, out: TextIO, remember: Callable[[list[Choice]], None]) -> None:
        self._out = out
        self._remember = remember

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        self._out.write(f"\n{message.text}\n")
        options = message.options
        for number, choice in enumerate(options, start=1):
            self._out.write(f"  [{number}] {choice.label}\n")
        if options:
            self._remember(options)
        self._out.flush()
        return Sent()


def terminal_language(environ: Mapping[str, str]) -> str:
    """The language of the terminal's locale (``LC_ALL``, ``LC_MESSAGES``, then ``LANG``), e.g. ``es``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return "" if code in ("c", "posix") else code
    return ""


class TerminalChat:
    def __init__(
        self, app: App, user_id: str = "1", out: TextIO = sys.stdout, *, practice: bool = False, language: str = ""
    ) -> None:
        self.app = app
        self.practice = practice
        self.user_id = user_id
        self.language = language
        """The terminal's language (``es`` from ``LANG=es_EC.UTF-8``), as a phone's app reports its own."""
        self._options: list[Choice] = []
        self._out = out
        self.delivery = app.delivery(TerminalSender(out, self._remember), CHANNEL)

    def _remember(self, options: list[Choice]) -> None:
        self._options = options

    def to_incoming(self, line: str) -> Incoming:
        event_id = str(time.time_ns() // 1000)
        event = partial(Incoming, event_id, CHANNEL, self.user_id, self.user_id, language_hint=self.language)
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._options):
            return event("button", choice=self._options[int(stripped) - 1].id)
        if stripped.startswith("/location"):
            try:
                lat, lon = (float(part) for part in stripped.removeprefix("/location").split(","))
                return event("location", location=Location(lat, lon))
            except ValueError:
                return event("other")
        if stripped == "/photo":
            return event("photo", attachment_ids=(f"terminal-photo-{event_id}",))
        return event("command" if stripped.startswith("/") else "text", text=line.rstrip("\n"))

    async def say(self, line: str) -> None:
        await self.app.engine.handle(self.to_incoming(line), self.delivery.deliver)

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        reader = read_line or _read_stdin_line
        self._out.write("cocrea chat — type /start to begin, a number to choose an option, Ctrl-D to quit.\n")
        if self.practice:
            self._out.write(
                f"Practice mode: a database of its own ({self.app.database.describe()}); nothing reaches "
                "the live proposals. Run `cocrea chat --live` to use the live database.\n"
            )
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
