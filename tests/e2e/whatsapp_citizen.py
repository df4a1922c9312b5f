"""A citizen on WhatsApp for the shared script (tests/e2e/citizen_script.py), in tests and benchmarks.

``WhatsAppCitizen`` presses an option by its full label (a list row shows a short title with the label
as description), and reads one *bot message* at a time: the parts one outbox message was split into
(``42:1/2``, ``42:2/2`` in ``biz_opaque_callback_data``) are joined back, as a person reads them one
after the other. It imports nothing from pytest, so that benchmarks can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.e2e.fake_whatsapp import Choice, Delivered, FakeWhatsAppUser

PHONE_NUMBER_ID = "1234567890"
TOKEN = "TEST-TOKEN"
APP_SECRET = "app-secret"
VERIFY_TOKEN = "verify-me"


@dataclass
class Read:
    """One bot message as a person reads it: its parts joined, its options with their full labels."""

    parts: list[Delivered]
    text: str
    labels: list[str] = field(default_factory=list)
    choices: tuple[Choice, ...] = ()

    @property
    def last(self) -> Delivered:
        return self.parts[-1]


def full_label(choice: Choice) -> str:
    return choice.description or choice.title


def read(parts: list[Delivered]) -> Read:
    last = parts[-1]
    text = "\n\n".join(part.text or "" for part in parts)
    return Read(parts, text, [full_label(c) for c in last.choices], last.choices)


def part_of(delivered: Delivered) -> tuple[int, int]:
    """(this part, of how many) from the tracker ``42:1/2``; (1, 1) when it was not split."""
    tracker = delivered.tracker or ""
    if ":" not in tracker:
        return 1, 1
    index, _, count = tracker.split(":", 1)[1].partition("/")
    return int(index), int(count)


class WhatsAppCitizen:
    """A ``FakeWhatsAppUser`` behind the interface of ``tests/e2e/citizen_script.User``."""

    def __init__(self, user: FakeWhatsAppUser) -> None:
        self.user = user
        self.seen: list[Read] = []

    @property
    def app_language(self) -> str:
        """WhatsApp does not tell a business the language of the person's app."""
        return ""

    async def send(self, text: str) -> str:
        return await self.user.send(text)

    async def send_sticker(self) -> str:
        return await self.user.send_sticker()

    async def press(self, label: str) -> str:
        """The option whose full label (or title) is ``label``, on the latest message with options."""
        target = self.user.last_with_choices()
        for choice in target.choices:
            if label in (choice.title, full_label(choice)):
                return await self.user.press(choice.id, message=target)
        raise AssertionError(f"no option {label!r}; the last ones are {[full_label(c) for c in target.choices]}")

    async def expect(self, contains: str | None = None) -> Read:
        parts = [await self.user.expect()]
        index, count = part_of(parts[0])
        while index < count:
            parts.append(await self.user.expect())
            index, count = part_of(parts[-1])
        message = read(parts)
        self.seen.append(message)
        if contains is not None and contains not in message.text:
            raise AssertionError(f"{self.user.describe()}: expected {contains!r}, got {message.text!r}")
        return message

    async def expect_silence(self, seconds: float = 0.3) -> None:
        await self.user.expect_silence(seconds)
