"""What a person types instead of pressing a button or a command: a command word (``ayuda``,
``mis propuestas``) or the number of an option of the current question.

WhatsApp has no command menu and shows more than ten options as numbered lines, so people type;
understanding it here, not in an adapter, makes every channel behave alike (on Telegram, ``ayuda``
and ``2`` work too). A number names an option of the question the chat is at now: the engine
recomputes that screen, so no channel has to remember what it showed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from handlers.context import Context
from handlers.i18n import N_
from handlers.intake.onboarding import offered_languages
from handlers.intake.screens import screen
from handlers.messages import Incoming

COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "help": (N_("help"), N_("menu")),
    "mine": (N_("my proposals"),),
    "cancel": (N_("cancel"),),
    "stop": (N_("stop"),),
}
"""Words that work as a command when they are the whole message, in English and in every offered language."""

_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")
_LONGEST_WORD = 40


def understood(ctx: Context) -> Incoming:
    """The event as meant: a typed command word becomes that command, a typed option number that option."""
    incoming = ctx.incoming
    if incoming.content_type != "text" or not incoming.is_private:
        return incoming
    command = command_for(ctx, incoming.text)
    if command is not None:
        return replace(incoming, content_type="command", text=f"/{command}")
    choice = option_for(ctx, incoming.text)
    if choice is not None:
        return replace(incoming, content_type="button", choice=choice)
    return incoming


def command_for(ctx: Context, typed: str) -> str | None:
    """The command a typed word stands for (``Ayuda``, ``MIS PROPUESTAS``, ``menú``), or None."""
    said = normalised(typed)
    if not said or len(said) > _LONGEST_WORD:
        return None
    translators = [ctx.catalogs.get(language) for language in offered_languages(ctx)]
    for command, words in COMMAND_WORDS.items():
        for word in words:
            if said in {normalised(word), *(normalised(tr._(word)) for tr in translators)}:
                return command
    return None


def option_for(ctx: Context, typed: str) -> str | None:
    """The id of option ``typed`` (a number from 1) of the chat's current question, or None."""
    match = _NUMBER.match(typed)
    if match is None or ctx.conversation is None:
        return None
    _, choices = screen(ctx)
    options = [choice for row in choices for choice in row]
    number = int(match.group(1))
    return options[number - 1].id if 1 <= number <= len(options) else None


def words_to_type(ctx: Context) -> list[str]:
    """The command words in the person's language, for the help."""
    return [ctx.tr._(word) for words in COMMAND_WORDS.values() for word in words]


def normalised(text: str) -> str:
    """Lower case, no accents, no slash in front, no punctuation around: ``¡Menú!`` -> ``menu``."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.strip(" \t\n/.,;:!¡?¿").split())
