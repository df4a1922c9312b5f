"""Checks on free text typed by a citizen (or a facilitator, or read from a spreadsheet). A bad answer is
explained, never stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from handlers.i18n import Translator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Bounds:
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Accepted:
    text: str


@dataclass(frozen=True)
class Rejected:
    reason: str


TextProblem = Literal["control", "empty", "symbols", "short", "long"]


@dataclass(frozen=True)
class Checked:
    """A text as it would be stored, and what is wrong with it (None: nothing)."""

    text: str
    problem: TextProblem | None


def examine(raw: str, bounds: Bounds) -> Checked:
    """Normalise ``raw`` and say what, if anything, keeps it from being accepted (the chat and the
    spreadsheet import apply the same rules)."""
    if _CONTROL.search(raw):
        return Checked(raw, "control")
    text = _MANY_BLANK_LINES.sub("\n\n", unicodedata.normalize("NFC", raw).replace("\r\n", "\n")).strip()
    if not text:
        return Checked(text, "empty")
    if not any(ch.isalnum() for ch in text):
        return Checked(text, "symbols")
    if len(text) < bounds.minimum:
        return Checked(text, "short")
    if len(text) > bounds.maximum:
        return Checked(text, "long")
    return Checked(text, None)


def check_text(raw: str, bounds: Bounds, tr: Translator) -> Accepted | Rejected:
    """Normalise ``raw`` and accept it, or say in the person's language what is wrong."""
    checked = examine(raw, bounds)
    text = checked.text
    if checked.problem == "control":
        return Rejected(tr._("Your message contains invisible control characters. Please type it again as plain text."))
    if checked.problem == "empty":
        return Rejected(tr._("Your message is empty. Please write your answer in words."))
    if checked.problem == "symbols":
        return Rejected(tr._("Please answer with words, not only emoji or symbols."))
    if checked.problem == "short":
        return Rejected(
            tr._("That is a bit short: please write at least {minimum} characters.").format(minimum=bounds.minimum)
        )
    if checked.problem == "long":
        return Rejected(
            tr._("That is too long: {length} characters, and the limit is {maximum}. Please shorten it.").format(
                length=len(text), maximum=bounds.maximum
            )
        )
    return Accepted(text)
