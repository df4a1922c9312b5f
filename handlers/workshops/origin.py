"""How a workshop and a proposal's workshop origin are named: ``W1``, and the line on a moderators' card.

A leaf module (it imports nothing of the workshops package), so that moderation can show and route
workshop proposals without importing the facilitator mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.i18n import Translator

CHAT = "chat"
WORKSHOP = "workshop"
PREFIX = "W"


def workshop_ref(workshop_id: int) -> str:
    """The id people use: ``W1``."""
    return f"{PREFIX}{workshop_id}"


def parse_ref(text: str) -> int | None:
    """``W1``, ``w1`` or ``1`` → 1; None when it is not a workshop id."""
    digits = text.strip().upper().removeprefix(PREFIX)
    return int(digits) if digits.isdecimal() and len(digits) <= 9 else None


@dataclass(frozen=True)
class Origin:
    """Where a workshop proposal comes from, as staff read it."""

    workshop_id: int
    name: str
    held_on: date
    table: int
    backers: int | None

    @property
    def ref(self) -> str:
        return workshop_ref(self.workshop_id)

    def line(self, tr: Translator) -> str:
        """``Workshop: Taller Calderón (W1, Jul 15, 2024) · table 3 · backed by 7 people``."""
        text = tr._("Workshop: {name} ({ref}, {date}) · table {table}").format(
            name=self.name, ref=self.ref, date=tr.day(self.held_on), table=self.table
        )
        if self.backers is not None:
            text += " · " + tr.n_("backed by {count} person", "backed by {count} people", self.backers).format(
                count=self.backers
            )
        return text
