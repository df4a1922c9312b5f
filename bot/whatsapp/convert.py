"""Meta's webhook JSON -> ``Incoming`` events and delivery receipts: the only place that reads it.

A person is known by the business-scoped user id Meta sends since 2026 (``from_user_id``,
``contacts[].user_id``): stable, and present for everyone, also for people with a username whose
phone number Meta no longer sends. Older payloads carry only the phone number (``from``), which is
then the id. Either way a phone number that comes along is not kept (nothing needs it).

Reactions, system notices and other kinds the bot does not handle are left out; a message kind the
Cloud API cannot carry arrives as ``other`` and gets the usual short answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.whatsapp.render import CHANNEL
from handlers.messages import ContentType, Incoming, Location

RECEIPT_STATUSES = ("sent", "delivered", "read", "failed")
TEMPLATE_BUTTON = "resume"
"""The option a tap on a template's quick-reply button (the doorbell's) stands for."""
_MEDIA: dict[str, ContentType] = {
    "image": "photo",
    "document": "document",
    "sticker": "sticker",
    "video": "video",
    "audio": "audio",
    "contacts": "contact",
}
_IGNORED = frozenset({"reaction", "system", "request_welcome", "ephemeral"})


class Malformed(ValueError):
    """Not a WhatsApp Business webhook body."""


@dataclass(frozen=True)
class Receipt:
    """What Meta reports about a message the bot sent."""

    message_id: str
    status: str
    outbox_id: int | None
    """The outbox row it echoes (``biz_opaque_callback_data``), when it does."""
    ours: bool
    """False for a message that is not an outbox row (the doorbell): nothing to record."""
    code: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Notification:
    events: tuple[Incoming, ...] = ()
    receipts: tuple[Receipt, ...] = ()


def read_notification(body: Any, phone_number_id: str) -> Notification:
    """The events and receipts of one webhook body for our number (other numbers' are left out)."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise Malformed("not a whatsapp_business_account webhook")
    events: list[Incoming] = []
    receipts: list[Receipt] = []
    for value in _values(body):
        metadata = value.get("metadata")
        if isinstance(metadata, dict) and str(metadata.get("phone_number_id", "")) != phone_number_id:
            continue
        contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
        events += [e for m in _list(value.get("messages")) if (e := _incoming(m, contacts)) is not None]
        receipts += [r for s in _list(value.get("statuses")) if (r := _receipt(s)) is not None]
    return Notification(tuple(events), tuple(receipts))


def _values(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise Malformed("no entry list")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
            raise Malformed("an entry without a list of changes")
        for change in entry.get("changes", []):
            if isinstance(change, dict) and change.get("field") == "messages" and isinstance(change.get("value"), dict):
                yield change["value"]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _contact(message: Mapping[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    user_id, phone = message.get("from_user_id"), message.get("from")
    for contact in contacts:
        if (user_id and contact.get("user_id") == user_id) or (phone and contact.get("wa_id") == phone):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _incoming(message: Any, contacts: list[dict[str, Any]]) -> Incoming | None:
    if not isinstance(message, dict) or not isinstance(message.get("id"), str) or message.get("type") in _IGNORED:
        return None
    contact = _contact(message, contacts)
    person = message.get("from_user_id") or contact.get("user_id") or message.get("from") or contact.get("wa_id")
    if not isinstance(person, str) or not person:
        return None
    content_type, text, choice, location, attachments = _content(message)
    context = message.get("context")
    profile = contact.get("profile")
    return Incoming(
        event_id=message["id"],
        channel=CHANNEL,
        chat_id=person,
        user_id=person,
        content_type=content_type,
        text=text,
        choice=choice,
        location=location,
        attachment_ids=attachments,
        reply_to=str(context["id"]) if isinstance(context, dict) and context.get("id") else None,
        message_id=message["id"],
        user_name=str(profile.get("name") or "") if isinstance(profile, dict) else "",
    )


Content = tuple[ContentType, str, str, Location | None, tuple[str, ...]]


def _content(message: Mapping[str, Any]) -> Content:
    kind = message.get("type")
    item = message.get(kind) if isinstance(kind, str) else None
    item = item if isinstance(item, dict) else {}
    if kind == "text":
        body = str(item.get("body") or "")
        command = body.lstrip()[:1] == "/" and body.lstrip()[1:2].isalpha()
        return ("command" if command else "text"), body, "", None, ()
    if kind == "interactive":
        reply = item.get("button_reply") or item.get("list_reply")
        if isinstance(reply, dict) and reply.get("id"):
            return "button", "", str(reply["id"]), None, ()
        return "other", "", "", None, ()
    if kind == "button":
        return "button", "", TEMPLATE_BUTTON, None, ()
    if kind == "location":
        try:
            point = Location(float(item["latitude"]), float(item["longitude"]))
        except (KeyError, TypeError, ValueError):
            return "other", "", "", None, ()
        return "location", "", "", point, ()
    if kind == "audio":
        media: ContentType = "voice" if item.get("voice") else "audio"
        return media, "", "", None, ()
    if isinstance(kind, str) and kind in _MEDIA:
        attachments = (str(item["id"]),) if _MEDIA[kind] == "photo" and item.get("id") else ()
        return _MEDIA[kind], str(item.get("caption") or ""), "", None, attachments
    return "other", "", "", None, ()


def _receipt(status: Any) -> Receipt | None:
    if not isinstance(status, dict) or status.get("status") not in RECEIPT_STATUSES or not status.get("id"):
        return None
    tracker = status.get("biz_opaque_callback_data")
    head = str(tracker).split(":", 1)[0] if tracker else ""
    errors = [e for e in _list(status.get("errors")) if isinstance(e, dict)]
    first = errors[0] if errors else {}
    code = first.get("code")
    details = first.get("error_data", {}).get("details") if isinstance(first.get("error_data"), dict) else None
    return Receipt(
        message_id=str(status["id"]),
        status=str(status["status"]),
        outbox_id=int(head) if head.isdigit() else None,
        ours=not tracker or head.isdigit(),
        code=code if isinstance(code, int) else None,
        error=str(details or first.get("title") or first.get("message") or ""),
    )
