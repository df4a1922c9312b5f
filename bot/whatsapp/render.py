"""``Outgoing`` -> the bodies of WhatsApp Cloud API messages, within WhatsApp's limits (declared here, once).

Options become reply buttons when there are at most three whose labels (or short labels) fit a
button, a list message up to ten (a label too long for a row shows its short label, or its start, with the full
label as the row's description), and numbered lines beyond that (the person types the number; the
engine understands it). A text too long for an interactive message goes first as text messages,
cut at paragraph breaks, and its last paragraph carries the options. Texts longer than a text
message are sent in several. WhatsApp cannot edit a message or open a thread: those hints are ignored.
"""

from __future__ import annotations

from typing import Any

from bot.outbox.sending import BadMessage, ChannelLimits
from handlers.i18n import N_, Translator
from handlers.messages import Choice, Outgoing, fit

CHANNEL = "whatsapp"
LIMITS = ChannelLimits(
    text=4096,
    caption=1024,
    option_id_bytes=200,
    option_label=20,
    options_per_message=3,
    can_edit=False,
    has_threads=False,
    list_rows=10,
    list_label=24,
    list_description=72,
    list_button=20,
    text_with_options=1024,
    receipts=True,
)
LIST_BUTTON = N_("Options")
NUMBER_HINT = N_("Reply with the number of your choice.")
_SEPARATORS = ("\n\n", "\n", " ")

Body = dict[str, Any]
"""One message's content as the Cloud API takes it (``type`` and its object), without the recipient."""


def render(message: Outgoing, tr: Translator) -> list[Body]:
    """The messages that show ``message`` on WhatsApp, in order."""
    if message.document_path or message.photo_path:
        raise BadMessage("cocrea sends no files on WhatsApp (staff work on Telegram)")
    if not message.text.strip():
        raise BadMessage("a WhatsApp message needs text")
    options = message.options
    for choice in options:
        size = len(choice.id.encode("utf-8"))
        if not 1 <= size <= LIMITS.option_id_bytes:
            raise BadMessage(f"option id must be 1-{LIMITS.option_id_bytes} bytes, got {size}: {choice.id!r}")
    if not options:
        return texts(message.text)
    if len(options) > LIMITS.list_rows:
        return texts(numbered(message.text, options, tr))
    head, body = last_part(message.text, LIMITS.text_with_options)
    last = buttons(body, options) if fits_buttons(options) else listing(body, options, tr)
    return [*texts(head), last]


def texts(text: str) -> list[Body]:
    return [{"type": "text", "text": {"body": part, "preview_url": False}} for part in split(text, LIMITS.text)]


def button_title(choice: Choice) -> str | None:
    """A reply button's title: the label, else the short label, when one fits."""
    for title in (choice.label, choice.short):
        if 1 <= len(title) <= LIMITS.option_label:
            return title
    return None


def fits_buttons(options: list[Choice]) -> bool:
    titles = [button_title(choice) for choice in options]
    return len(options) <= LIMITS.options_per_message and None not in titles and len(set(titles)) == len(titles)


def buttons(body: str, options: list[Choice]) -> Body:
    replies = [{"type": "reply", "reply": {"id": choice.id, "title": button_title(choice)}} for choice in options]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": replies}},
    }


def listing(body: str, options: list[Choice], tr: Translator) -> Body:
    rows = [row(choice) for choice in options]
    action = {"button": fit(tr._(LIST_BUTTON), LIMITS.list_button), "sections": [{"rows": rows}]}
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": body}, "action": action}}


def row(choice: Choice) -> dict[str, str]:
    """A list row: the label when it fits, else the short label (or the label's start) above the full label."""
    label = choice.label
    if len(label) <= LIMITS.list_label:
        return {"id": choice.id, "title": label}
    title = choice.short if 0 < len(choice.short) <= LIMITS.list_label else fit(label, LIMITS.list_label)
    return {"id": choice.id, "title": title, "description": fit(label, LIMITS.list_description)}


def numbered(text: str, options: list[Choice], tr: Translator) -> str:
    lines = "\n".join(f"{number}. {choice.label}" for number, choice in enumerate(options, start=1))
    return f"{text}\n\n{lines}\n\n{tr._(NUMBER_HINT)}"


def split(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraph breaks where it can, else at
    line breaks, else between words (joining the pieces with the break that was cut gives the text back)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut, separator = _cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut + len(separator) :].lstrip()
    return [*pieces, rest] if rest else pieces


def last_part(text: str, limit: int) -> tuple[str, str]:
    """(what goes before, the last part of at most ``limit`` characters): the last paragraph when it fits."""
    text = text.strip()
    if len(text) <= limit:
        return "", text
    for separator in ("\n\n", "\n"):
        start = text.rfind(separator)
        if start > 0 and len(text) - start - len(separator) <= limit:
            return text[:start].rstrip(), text[start + len(separator) :].strip()
    start = text.find(" ", len(text) - limit - 1)  # no break near the end: the last words that fit
    start = start if start >= 0 else len(text) - limit - 1
    return text[: start + 1].rstrip(), text[start + 1 :].strip()


def _cut(text: str, limit: int) -> tuple[int, str]:
    for separator in _SEPARATORS:
        at = text.rfind(separator, 0, limit + 1)
        if at > 0:
            return at, separator
    return limit, ""
