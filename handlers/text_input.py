"""Checks on free text typed by a citizen. A bad answer is explained, never stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


def check_text(raw: str, bounds: Bounds, tr: Translator) -> Accepted | Rejected:
    """Normalise ``raw`` and accept it, or say in the person's language what is wrong."""
    if _CONTROL.search(raw):
        return Rejected(
            tr._("Your message contains invisible control characters. Please type it again as plain text.")
        )
    text = _MANY_BLANK_LINES.sub("\n\n", unicodedata.normalize("NFC", raw).replace("\r\n", "\n")).strip()
    if not text:
        return Rejected(tr._("Your message is empty. Please write your answer in words."))
    if not any(ch.isalnum() for ch in text):
        return Rejected(tr._("Please answer with words, not only emoji or symbols."))
    if len(text) < bounds.minimum:
        return Rejected(tr._("That is a bit short: please write at least {minimum} characters.").format(
            minimum=bounds.minimum))
    if len(text) > bounds.maximum:
        return Rejected(
            tr._("That is too long: {length} characters, and the limit is {maximum}. Please shorten it.").format(
                length=len(text), maximum=bounds.maximum)
        )
    return Accepted(text)
