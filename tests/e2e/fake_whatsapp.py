"""A fake WhatsApp Cloud API (Meta Graph API) server for end-to-end tests and benchmarks.

It speaks the Cloud API's HTTP protocol on 127.0.0.1 (random free port), so a
real client (pywa, httpx, aiohttp) talks to it unchanged, and it plays the
people on the other side: scripted citizens who write, press reply buttons or
list rows, share locations and photos, and read what the bot sent them. Their
messages reach the bot the way Meta delivers them: signed webhook POSTs,
retried with backoff until the bot answers 200.

Using it from pytest (pytest-asyncio, ``asyncio_mode = auto``)::

    @pytest_asyncio.fixture
    async def wa() -> AsyncIterator[FakeWhatsApp]:
        async with FakeWhatsApp(phone_number_id="1234567890", token="TEST-TOKEN", app_secret="app-secret") as fake:
            fake.webhook_target = "http://127.0.0.1:8081/whatsapp"   # the bot's webhook
            yield fake

    async def test_welcome(wa: FakeWhatsApp) -> None:
        # Point the bot at wa.base_url (http://127.0.0.1:PORT/v21.0) with token wa.token.
        wa.add_template("seguimiento", "es", "Hola {{1}}, tu propuesta {{2}} fue respondida.")
        ana = wa.user("593991234567", "Ana")
        await ana.send("hola")
        menu = await ana.expect("Elige")          # next bot message, strictly
        await ana.press("Movilidad")               # a reply button or a list row
        await ana.expect_silence()
        wa.advance(hours=25)                       # the 24-hour window closes
        # free-form sends are now accepted (200) and then fail by webhook (131047)

Rules of the house, as with the fake Telegram server:

* Nothing sleeps to wait: ``expect``, ``wait_until``, ``wait_delivered`` and the
  webhook sender wait on one ``asyncio.Condition`` (or an ``asyncio.Event``)
  with a timeout. ``expect_silence`` is the one place where waiting out a short
  period is the point.
* Errors are Meta's envelopes with Meta's codes: ``{"error": {"message",
  "type", "code", "error_data": {"messaging_product", "details"},
  "fbtrace_id"}}``. A send refused synchronously is never put in an inbox.
* What Meta reports asynchronously is reported asynchronously: a free-form
  message outside the customer-service window, or to a number that is not on
  WhatsApp, is accepted (HTTP 200, a ``wamid``) and then a ``failed`` status
  webhook follows (131047 / 131026). ``window_failures="response"`` switches
  to a synchronous 400 instead.
* Webhooks are delivered at least once: any answer other than HTTP 200 (Meta's
  documented rule), or no answer within ``webhook_timeout``, is retried
  on the ``webhook_retry`` schedule with the same body and the same ids;
  ``redeliver`` sends a past event again. Bodies are serialised like Meta's
  (ASCII-only, ``\\/`` escaped), so a bot that re-serialises the JSON before
  checking ``X-Hub-Signature-256`` fails, as it would in production.
* Time is virtual for everything Meta measures (the 24-hour window, media URL
  expiry, rate limits, timestamps): ``advance(hours=25)`` moves it.
* Payloads have Meta's 2026 shape: every person has a business-scoped user id
  (``contacts[].user_id``, ``messages[].from_user_id``, ``statuses[].recipient_user_id``);
  a person with a username and ``phone_hidden=True`` arrives with no phone number at all,
  and sends may address people by ``recipient`` (BSUID). ``bsuid_fields=False`` gives the
  pre-April-2026 shape. Status webhooks carry ``contacts`` without a profile name; a
  ``failed`` one names the recipient only as it was addressed (as in captured payloads).
* Webhooks only go to loopback hosts; media ``link``s are never fetched.

What it does not do: groups, calls, flows, catalogs, template management, marketing
messages, webhook batching (one message or status per POST, as usually observed),
``played`` statuses, and the edits/deletes that WhatsApp has no API for anyway.

The module imports nothing from pytest so benchmarks can use it too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "PNG_BYTES",
    "Choice",
    "Delivered",
    "FailedSend",
    "FakeWhatsApp",
    "FakeWhatsAppStats",
    "FakeWhatsAppUser",
    "GraphError",
    "MediaItem",
    "RecordedRequest",
    "StatusEvent",
    "Template",
    "ThroughputLimits",
    "VerificationResult",
    "WebhookAttempt",
    "sign_body",
]

JsonDict = dict[str, Any]
StatusName = Literal["sent", "delivered", "read", "failed"]
Endpoint = Literal["messages", "media", "media_url", "download", "*"]

DEFAULT_VERSION: Final = "v21.0"
DEFAULT_PHONE_NUMBER_ID: Final = "1234567890"
DEFAULT_TOKEN: Final = "TEST-TOKEN"
DEFAULT_APP_SECRET: Final = "app-secret"
DEFAULT_DISPLAY_PHONE_NUMBER: Final = "15550001234"
DEFAULT_WABA_ID: Final = "102290129340398"

WINDOW_SECONDS: Final = 24 * 3600
MEDIA_URL_TTL_SECONDS: Final = 5 * 60
MAX_TEXT_BODY: Final = 4096
MAX_INTERACTIVE_BODY: Final = 1024
MAX_HEADER_TEXT: Final = 60
MAX_FOOTER_TEXT: Final = 60
MAX_CAPTION: Final = 1024
MAX_BUTTONS: Final = 3
MAX_BUTTON_TITLE: Final = 20
MAX_BUTTON_ID: Final = 256
MAX_LIST_BUTTON_TEXT: Final = 20
MAX_SECTIONS: Final = 10
MAX_LIST_ROWS: Final = 10
MAX_SECTION_TITLE: Final = 24
MAX_ROW_TITLE: Final = 24
MAX_ROW_DESCRIPTION: Final = 72
MAX_ROW_ID: Final = 200
MAX_CALLBACK_DATA: Final = 512

SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
ERROR_HREF: Final = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
_VERSION_RE: Final = re.compile(r"v\d+\.\d+")
_PLACEHOLDER_RE: Final = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
_SEND_TYPES: Final = (
    "audio",
    "contacts",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
)
_MEDIA_TYPES: Final = frozenset({"audio", "document", "image", "sticker", "video"})
_INTERACTIVE_TYPES: Final = ("button", "cta_url", "flow", "list", "location_request_message", "product", "product_list")
_MEDIA_LIMITS: Final = {
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "image/webp": 500 * 1024,
    "audio/aac": 16 * 1024 * 1024,
    "audio/amr": 16 * 1024 * 1024,
    "audio/mpeg": 16 * 1024 * 1024,
    "audio/mp4": 16 * 1024 * 1024,
    "audio/ogg": 16 * 1024 * 1024,
    "video/mp4": 16 * 1024 * 1024,
    "video/3gpp": 16 * 1024 * 1024,
    "text/plain": 100 * 1024 * 1024,
    "text/csv": 100 * 1024 * 1024,
    "application/pdf": 100 * 1024 * 1024,
    "application/vnd.ms-excel": 100 * 1024 * 1024,
    "application/msword": 100 * 1024 * 1024,
    "application/vnd.ms-powerpoint": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * 1024 * 1024,
}

#: Smallest bytes that pass as an image, for tests.
PNG_BYTES: Final = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --------------------------------------------------------------------------- errors


class GraphError(Exception):
    """A Graph API error answer (``{"error": {...}}``) with its HTTP status.

    ``raw_body`` replaces the JSON envelope (a gateway's HTML page, say).
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        details: str | None = None,
        title: str | None = None,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        is_transient: bool | None = None,
        raw_body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.title = title
        self.subcode = subcode
        self.error_type = error_type
        self.is_transient = is_transient
        self.raw_body = raw_body

    def envelope(self, fbtrace_id: str) -> JsonDict:
        error: JsonDict = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}


def _invalid(detail: str) -> GraphError:
    """Code 100: the request's shape is wrong (missing, mistyped or too long parameter)."""
    return GraphError(400, 100, f"(#100) {detail}", details=detail)


def _not_valid(detail: str) -> GraphError:
    """Code 131009: a parameter value breaks a Cloud API rule (interactive limits...)."""
    return GraphError(400, 131009, "(#131009) Parameter value is not valid", details=detail)


def _required(path: str) -> GraphError:
    return _invalid(f"The parameter {path} is required.")


def _too_long(path: str, limit: int) -> GraphError:
    return _invalid(f"Param {path} must be at most {limit} characters long.")


def _length_invalid(what: str, low: int, high: int) -> GraphError:
    return _not_valid(f"{what} length invalid. Min length: {low}, Max length: {high}")


def _bad_token() -> GraphError:
    return GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")


def _no_token() -> GraphError:
    return GraphError(401, 104, "An access token is required to request this resource.")


def _no_object(method: str, object_id: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api",
        subcode=33,
        error_type="GraphMethodException",
    )


def _unknown_path(path: str) -> GraphError:
    return GraphError(400, 2500, f"Unknown path components: {path}")


#: Errors Meta reports in ``statuses[].errors`` (code -> title, details).
ASYNC_ERRORS: Final[Mapping[int, tuple[str, str]]] = {
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    ),
    131026: ("Message undeliverable", "Message Undeliverable."),
    131053: ("Media upload error", "Unable to retrieve the media for this message."),
    131000: ("Something went wrong", "Something went wrong."),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: (
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp "
        "from your business",
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.",
    ),
}

#: Synchronous envelopes for the codes tests inject most (code -> HTTP status, message, details).
SYNC_ERRORS: Final[Mapping[int, tuple[int, str, str | None]]] = {
    1: (500, "An unknown error occurred", None),
    2: (500, "An unexpected error has occurred. Please retry your request later.", None),
    4: (400, "(#4) Application request limit reached", None),
    130429: (400, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131000: (500, "(#131000) Something went wrong", "Something went wrong"),
    131016: (503, "(#131016) Service unavailable", "A service is temporarily unavailable."),
    131026: (400, "(#131026) Message undeliverable", "Message Undeliverable."),
    131047: (400, "(#131047) Re-engagement message", ASYNC_ERRORS[131047][1]),
    131048: (
        400,
        "(#131048) Spam rate limit hit",
        "Message failed to send because there are restrictions on how "
        "many messages can be sent from this phone number.",
    ),
    131056: (
        400,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same "
        "phone number in a short period of time.",
    ),
    132001: (404, "(#132001) Template name does not exist in the translation", None),
}


def _sync_error(
    code: int, *, status: int | None = None, message: str | None = None, details: str | None = None
) -> GraphError:
    known_status, known_message, known_details = SYNC_ERRORS.get(code, (400, f"(#{code}) Error {code}", None))
    transient = True if code in {1, 2} else None
    return GraphError(
        status or known_status, code, message or known_message, details=details or known_details, is_transient=transient
    )


def _status_error(status: int) -> GraphError:
    """The answer a fault of bare HTTP ``status`` gives (gateways answer HTML, not JSON)."""
    if status in {502, 504}:
        reason = "Bad Gateway" if status == 502 else "Gateway Timeout"
        return GraphError(status, 0, reason, raw_body=f"<html><body><h1>{status} {reason}</h1></body></html>")
    if status == 503:
        return _sync_error(131016)
    if status >= 500:
        return _sync_error(2, status=status)
    if status == 401:
        return _bad_token()
    return GraphError(status, 100, "(#100) Injected failure", details="Injected failure")


def _throughput_error() -> GraphError:
    return _sync_error(130429)


def _pair_error() -> GraphError:
    return _sync_error(131056)


# --------------------------------------------------------------------------- public values


@dataclass(frozen=True)
class ThroughputLimits:
    """Meta's send limits; the defaults are generous so ordinary tests never hit them.

    * ``messages_per_second``: per business phone number, over any 1-second window
      (Meta: 80 by default, up to 1,000) -> 130429.
    * ``pair_interval_seconds``: per recipient, one message every N seconds (Meta: 6;
      0 disables). Bursts of up to ``pair_burst`` messages within one interval are
      accepted but borrowed: afterwards nothing more goes to that person until the
      borrowed time is repaid (a burst of 20 at 6 s costs 2 minutes) -> 131056.
    """

    messages_per_second: float = 1000.0
    pair_interval_seconds: float = 0.0
    pair_burst: int = 45

    @classmethod
    def meta(cls) -> ThroughputLimits:
        """Meta's documented defaults: 80 mps, one message per 6 s per person, bursts of 45."""
        return cls(messages_per_second=80.0, pair_interval_seconds=6.0, pair_burst=45)


class Choice(NamedTuple):
    """A reply button, a list row, or a template quick-reply button as the person sees it."""

    id: str
    title: str
    description: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Delivered:
    """A message the bot sent, in its rendered form.

    ``text`` is the text body, the interactive body, the rendered template body or the
    media caption. ``choices`` are reply buttons, list rows or template quick replies.
    """

    id: str
    to: str
    kind: str
    text: str | None = None
    interactive_type: str | None = None
    choices: tuple[Choice, ...] = ()
    list_button: str | None = None
    header: str | None = None
    footer: str | None = None
    template: str | None = None
    language: str | None = None
    parameters: tuple[str, ...] = ()
    media_id: str | None = None
    link: str | None = None
    filename: str | None = None
    location: tuple[float, float] | None = None
    reaction: tuple[str, str] | None = None
    reply_to: str | None = None
    tracker: str | None = None
    via_bsuid: bool = False
    sent_at: float = 0.0
    payload: JsonDict = field(default_factory=dict, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        return [choice.title for choice in self.choices]

    @property
    def ids(self) -> list[str]:
        return [choice.id for choice in self.choices]

    @property
    def is_list(self) -> bool:
        return self.interactive_type == "list"

    def describe(self) -> str:
        name = f" {self.template}({', '.join(self.parameters)})" if self.template else ""
        extra = f" choices={self.labels}" if self.choices else ""
        return f"{self.kind}{name} {self.id}: {self.text!r}{extra}"


@dataclass(frozen=True)
class FailedSend:
    """A send Meta accepted (HTTP 200) and then reported ``failed`` by webhook."""

    message: Delivered
    code: int
    title: str
    details: str


@dataclass(frozen=True)
class StatusEvent:
    """A status webhook the fake sent about one of the bot's messages."""

    event_id: str
    message_id: str
    recipient_id: str
    status: StatusName
    timestamp: int
    errors: tuple[JsonDict, ...] = ()


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST to the bot's webhook: its answer status, or the error that stopped it."""

    event_id: str
    attempt: int
    status: int | None
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class VerificationResult:
    """The bot's answer to the GET verification handshake."""

    status: int
    body: str
    challenge: str

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.body == self.challenge


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the fake received."""

    method: str
    path: str
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class MediaItem:
    """Bytes the fake holds: uploaded by the bot or sent by a person."""

    id: str
    content: bytes
    mime_type: str
    filename: str | None
    origin: Literal["business", "user"]

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.content).digest()).decode()


@dataclass(frozen=True)
class Template:
    """An approved template: the body with ``{{1}}``/``{{name}}`` placeholders, optional quick replies."""

    name: str
    language: str
    body: str
    header: str | None = None
    footer: str | None = None
    buttons: tuple[str, ...] = ()
    category: str = "UTILITY"

    @property
    def placeholders(self) -> list[str]:
        return list(dict.fromkeys(_PLACEHOLDER_RE.findall(self.body)))


@dataclass
class FakeWhatsAppStats:
    """Counters, for assertions and benchmarks."""

    requests: int = 0
    messages_accepted: int = 0
    messages_delivered: int = 0
    messages_failed: int = 0
    responses_4xx: int = 0
    responses_5xx: int = 0
    throughput_errors: int = 0
    pair_errors: int = 0
    injected_faults: int = 0
    stalled_requests: int = 0
    uploads: int = 0
    downloads: int = 0
    webhook_events: int = 0
    webhook_attempts: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0
    webhook_dropped: int = 0


def sign_body(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def meta_json(payload: Any) -> bytes:
    """JSON as Meta writes it: compact, ASCII-only (``\\u00e1``), slashes escaped (``\\/``)."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


# --------------------------------------------------------------------------- payload validation


@dataclass
class _Outgoing:
    """A validated send, before it gets an id."""

    kind: str
    to: str
    recipient_field: str
    text: str | None = None
    interactive_type: str | None = None
    choices: tuple[Choice, ...] = ()
    list_button: str | None = None
    header: str | None = None
    footer: str | None = None
    template: Template | None = None
    parameters: tuple[str, ...] = ()
    quick_reply_payloads: tuple[str, ...] = ()
    media_id: str | None = None
    link: str | None = None
    filename: str | None = None
    location: tuple[float, float] | None = None
    reaction: tuple[str, str] | None = None
    reply_to: str | None = None
    tracker: str | None = None

    @property
    def free_form(self) -> bool:
        return self.kind != "template"


def _object(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        raise _required(path)
    if not isinstance(value, Mapping):
        raise _invalid(f"Param {path} must be a JSON object.")
    return value


def _text(
    parent: Mapping[str, Any], key: str, path: str, *, required: bool = True, allow_empty: bool = False
) -> str | None:
    """A string parameter; ``allow_empty`` leaves ``""`` to the length rule (131009) instead of 100."""
    value = parent.get(key)
    if value is None or (required and value == "" and not allow_empty):
        if required:
            raise _required(path)
        return None
    if not isinstance(value, str):
        raise _invalid(f"Param {path} must be a string.")
    return value


def _bounded(value: str | None, what: str, low: int, high: int) -> None:
    if value is not None and not low <= len(value) <= high:
        raise _length_invalid(what, low, high)


def _number(parent: Mapping[str, Any], key: str, path: str) -> float:
    value = parent.get(key)
    if value is None or value == "":
        raise _required(path)
    if isinstance(value, bool):
        raise _invalid(f"Param {path} must be a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _invalid(f"Param {path} must be a number.") from None
    if not math.isfinite(number):
        raise _invalid(f"Param {path} must be a number.")
    return number


def _validate_text(payload: Mapping[str, Any], out: _Outgoing) -> None:
    text = _object(payload, "text", "text")
    body = _text(text, "body", "text['body']")
    assert body is not None
    if not body.strip():
        raise _required("text['body']")
    if len(body) > MAX_TEXT_BODY:
        raise _too_long("text['body']", MAX_TEXT_BODY)
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise _invalid("Param text['preview_url'] must be a boolean.")
    out.text = body


def _validate_header(interactive: Mapping[str, Any], itype: str, out: _Outgoing) -> None:
    header = interactive.get("header")
    if header is None:
        return
    if not isinstance(header, Mapping):
        raise _invalid("Param interactive['header'] must be a JSON object.")
    htype = _text(header, "type", "interactive['header']['type']")
    if htype not in {"text", "image", "video", "document"}:
        raise _invalid(
            f"Param interactive['header']['type'] must be one of {{DOCUMENT, IMAGE, TEXT, VIDEO}} - got \"{htype}\"."
        )
    if htype != "text":
        if itype != "button":
            raise _not_valid(f"Header type {htype} is not supported for interactive {itype} messages")
        _object(header, htype, f"interactive['header']['{htype}']")
        return
    text = _text(header, "text", "interactive['header']['text']")
    _bounded(text, "Header text", 1, MAX_HEADER_TEXT)
    out.header = text


def _validate_button_action(action: Mapping[str, Any], out: _Outgoing) -> None:
    buttons = action.get("buttons")
    if buttons is None:
        raise _required("interactive['action']['buttons']")
    if not isinstance(buttons, list):
        raise _invalid("Param interactive['action']['buttons'] must be an array.")
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise _not_valid(f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: {MAX_BUTTONS}")
    choices: list[Choice] = []
    for index, button in enumerate(buttons):
        path = f"interactive['action']['buttons'][{index}]"
        if not isinstance(button, Mapping):
            raise _invalid(f"Param {path} must be a JSON object.")
        if button.get("type") != "reply":
            raise _invalid(f"Param {path}['type'] must be one of {{REPLY}} - got \"{button.get('type')}\".")
        reply = _object(button, "reply", f"{path}['reply']")
        title = _text(reply, "title", f"{path}['reply']['title']", allow_empty=True)
        button_id = _text(reply, "id", f"{path}['reply']['id']", allow_empty=True)
        _bounded(title, "Button title", 1, MAX_BUTTON_TITLE)
        _bounded(button_id, "Button id", 1, MAX_BUTTON_ID)
        assert title is not None and button_id is not None
        choices.append(Choice(button_id, title))
    if len({choice.id for choice in choices}) != len(choices):
        raise _not_valid("Button id is not unique. Each button must have a unique id.")
    if len({choice.title for choice in choices}) != len(choices):
        raise _not_valid("Button title is not unique. Each button must have a unique title.")
    out.choices = tuple(choices)


def _validate_list_action(action: Mapping[str, Any], out: _Outgoing) -> None:
    button = _text(action, "button", "interactive['action']['button']", allow_empty=True)
    _bounded(button, "Button text", 1, MAX_LIST_BUTTON_TEXT)
    sections = action.get("sections")
    if sections is None:
        raise _required("interactive['action']['sections']")
    if not isinstance(sections, list):
        raise _invalid("Param interactive['action']['sections'] must be an array.")
    if not 1 <= len(sections) <= MAX_SECTIONS:
        raise _not_valid(f"Invalid sections count. Min allowed sections: 1, Max allowed sections: {MAX_SECTIONS}")
    choices: list[Choice] = []
    for index, section in enumerate(sections):
        path = f"interactive['action']['sections'][{index}]"
        if not isinstance(section, Mapping):
            raise _invalid(f"Param {path} must be a JSON object.")
        title = _text(section, "title", f"{path}['title']", required=len(sections) > 1)
        _bounded(title, "Section title", 1, MAX_SECTION_TITLE)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise _required(f"{path}['rows']")
        for row_index, row in enumerate(rows):
            row_path = f"{path}['rows'][{row_index}]"
            if not isinstance(row, Mapping):
                raise _invalid(f"Param {row_path} must be a JSON object.")
            row_id = _text(row, "id", f"{row_path}['id']", allow_empty=True)
            row_title = _text(row, "title", f"{row_path}['title']", allow_empty=True)
            description = _text(row, "description", f"{row_path}['description']", required=False)
            _bounded(row_id, "Row id", 1, MAX_ROW_ID)
            _bounded(row_title, "Row title", 1, MAX_ROW_TITLE)
            _bounded(description, "Row description", 0, MAX_ROW_DESCRIPTION)
            assert row_id is not None and row_title is not None
            choices.append(Choice(row_id, row_title, description or None, title))
    if len(choices) > MAX_LIST_ROWS:
        raise _not_valid(f"Total row count exceed max allowed count: {MAX_LIST_ROWS}")
    if len({choice.id for choice in choices}) != len(choices):
        raise _not_valid("Row id is not unique. Each row must have a unique id.")
    out.list_button = button
    out.choices = tuple(choices)


def _validate_interactive(payload: Mapping[str, Any], out: _Outgoing) -> None:
    interactive = _object(payload, "interactive", "interactive")
    itype = _text(interactive, "type", "interactive['type']")
    if itype not in _INTERACTIVE_TYPES:
        names = ", ".join(name.upper() for name in _INTERACTIVE_TYPES)
        raise _invalid(f"Param interactive['type'] must be one of {{{names}}} - got \"{itype}\".")
    out.interactive_type = itype
    if itype in {"button", "list", "cta_url", "location_request_message", "flow"}:
        body = _object(interactive, "body", "interactive['body']")
        text = _text(body, "text", "interactive['body']['text']")
        _bounded(text, "Body text", 1, MAX_INTERACTIVE_BODY)
        out.text = text
    _validate_header(interactive, itype, out)
    footer = interactive.get("footer")
    if footer is not None:
        if not isinstance(footer, Mapping):
            raise _invalid("Param interactive['footer'] must be a JSON object.")
        footer_text = _text(footer, "text", "interactive['footer']['text']")
        _bounded(footer_text, "Footer text", 1, MAX_FOOTER_TEXT)
        out.footer = footer_text
    action = _object(interactive, "action", "interactive['action']")
    if itype == "button":
        _validate_button_action(action, out)
    elif itype == "list":
        _validate_list_action(action, out)


def _validate_media(payload: Mapping[str, Any], kind: str, out: _Outgoing) -> None:
    media = _object(payload, kind, kind)
    media_id = _text(media, "id", f"{kind}['id']", required=False)
    link = _text(media, "link", f"{kind}['link']", required=False)
    if (media_id is None) == (link is None):
        raise _invalid(f"Param {kind} must contain exactly one of {kind}['id'] or {kind}['link'].")
    if link is not None and urlsplit(link).scheme not in {"http", "https"}:
        raise _not_valid(f"Invalid link. Param {kind}['link'] must be a valid http or https URL.")
    caption = _text(media, "caption", f"{kind}['caption']", required=False)
    if caption is not None:
        if kind not in {"image", "document", "video"}:
            raise _invalid(f"Param {kind}['caption'] is not supported for {kind} messages.")
        if len(caption) > MAX_CAPTION:
            raise _too_long(f"{kind}['caption']", MAX_CAPTION)
    out.media_id, out.link, out.text = media_id, link, caption
    out.filename = _text(media, "filename", f"{kind}['filename']", required=False) if kind == "document" else None


def _validate_location(payload: Mapping[str, Any], out: _Outgoing) -> None:
    location = _object(payload, "location", "location")
    latitude = _number(location, "latitude", "location['latitude']")
    longitude = _number(location, "longitude", "location['longitude']")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _not_valid("Invalid location. Latitude must be in [-90, 90] and longitude in [-180, 180].")
    name = _text(location, "name", "location['name']", required=False)
    address = _text(location, "address", "location['address']", required=False)
    out.location = (latitude, longitude)
    out.text = " — ".join(part for part in (name, address) if part) or None


def _validate_reaction(payload: Mapping[str, Any], out: _Outgoing) -> None:
    reaction = _object(payload, "reaction", "reaction")
    message_id = _text(reaction, "message_id", "reaction['message_id']")
    emoji = reaction.get("emoji")
    if not isinstance(emoji, str):
        raise _required("reaction['emoji']")
    assert message_id is not None
    out.reaction = (message_id, emoji)
    out.text = emoji


def _validate_contacts(payload: Mapping[str, Any], out: _Outgoing) -> None:
    contacts = payload.get("contacts")
    if not isinstance(contacts, list) or not contacts:
        raise _required("contacts")
    names = [str((c.get("name") or {}).get("formatted_name", "")) for c in contacts if isinstance(c, Mapping)]
    out.text = ", ".join(names)


def _template_parameters(components: Any) -> tuple[list[JsonDict], list[str]]:
    """The body parameters and the quick-reply payloads of a template send."""
    if components is None:
        return [], []
    if not isinstance(components, list):
        raise _invalid("Param template['components'] must be an array.")
    body: list[JsonDict] = []
    payloads: list[str] = []
    for index, component in enumerate(components):
        path = f"template['components'][{index}]"
        if not isinstance(component, Mapping):
            raise _invalid(f"Param {path} must be a JSON object.")
        ctype = str(component.get("type", "")).lower()
        if ctype not in {"header", "body", "button", "footer"}:
            raise _invalid(f"Param {path}['type'] must be one of {{BODY, BUTTON, FOOTER, HEADER}} - got \"{ctype}\".")
        parameters = component.get("parameters") or []
        if not isinstance(parameters, list) or not all(isinstance(p, Mapping) for p in parameters):
            raise _invalid(f"Param {path}['parameters'] must be an array of JSON objects.")
        if ctype == "body":
            body.extend(dict(parameter) for parameter in parameters)
        elif ctype == "button" and str(component.get("sub_type", "")).lower() == "quick_reply":
            payloads.extend(str(p.get("payload", "")) for p in parameters)
    return body, payloads


def _parameter_text(parameter: Mapping[str, Any]) -> str:
    ptype = parameter.get("type")
    if ptype == "text":
        value = parameter.get("text")
        if not isinstance(value, str) or not value.strip():
            raise GraphError(
                400,
                131008,
                "(#131008) Required parameter is missing",
                details="Parameter of type text is missing text value",
            )
        if re.search(r"[\n\t]| {5,}", value):
            raise GraphError(
                400,
                132018,
                "(#132018) There was an issue with the parameters in your template.",
                details="Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
            )
        return value
    if ptype == "currency":
        currency = parameter.get("currency") or {}
        return str(currency.get("fallback_value", "")) if isinstance(currency, Mapping) else ""
    if ptype == "date_time":
        moment = parameter.get("date_time") or {}
        return str(moment.get("fallback_value", "")) if isinstance(moment, Mapping) else ""
    raise _not_valid(f"Invalid parameter type {ptype!r} for a body parameter")


def _render_template(template: Template, parameters: list[JsonDict]) -> tuple[str, tuple[str, ...]]:
    names = template.placeholders
    if len(parameters) != len(names):
        raise GraphError(
            400,
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            details=f"body: number of localizable_params ({len(parameters)}) does not match the expected number "
            f"of params ({len(names)})",
        )
    values = [_parameter_text(parameter) for parameter in parameters]
    named = {str(p["parameter_name"]): v for p, v in zip(parameters, values, strict=True) if p.get("parameter_name")}
    by_name = named or {name: values[index] for index, name in enumerate(names)}
    if named and set(named) != set(names):
        raise GraphError(
            400,
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            details=f"body: parameter names {sorted(named)} do not match {sorted(names)}",
        )
    text = _PLACEHOLDER_RE.sub(lambda match: by_name[match.group(1)], template.body)
    return text, tuple(values)


def _recipient(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(the recipient as given, the payload field it came in)."""
    for key in ("to", "recipient"):
        value = payload.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value, key
    raise _required("to")


def _validate_common(payload: Any) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise _invalid("Invalid parameter")
    product = payload.get("messaging_product")
    if product is None:
        raise _required("messaging_product")
    if product != "whatsapp":
        raise _invalid(f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
    return payload


def _validate_send(payload: Mapping[str, Any]) -> _Outgoing:
    """Everything but templates (which need the registry): shape and limits, as Meta checks them."""
    recipient_type = payload.get("recipient_type", "individual")
    if recipient_type not in {"individual", "group"}:
        raise _invalid(f'Param recipient_type must be one of {{GROUP, INDIVIDUAL}} - got "{recipient_type}".')
    if recipient_type == "group":
        raise GraphError(
            400,
            131215,
            "(#131215) Groups API not eligible",
            details="This business phone number is not eligible for the Groups API.",
        )
    to, recipient_field = _recipient(payload)
    kind = payload.get("type", "text")
    if kind not in _SEND_TYPES:
        names = ", ".join(name.upper() for name in _SEND_TYPES)
        raise _invalid(f'Param type must be one of {{{names}}} - got "{kind}".')
    out = _Outgoing(kind=str(kind), to=to, recipient_field=recipient_field)
    context = payload.get("context")
    if context is not None:
        if not isinstance(context, Mapping):
            raise _invalid("Param context must be a JSON object.")
        out.reply_to = _text(context, "message_id", "context['message_id']")
    tracker = _text(payload, "biz_opaque_callback_data", "biz_opaque_callback_data", required=False)
    if tracker is not None and len(tracker) > MAX_CALLBACK_DATA:
        raise _too_long("biz_opaque_callback_data", MAX_CALLBACK_DATA)
    out.tracker = tracker
    validators: dict[str, Callable[[Mapping[str, Any], _Outgoing], None]] = {
        "text": _validate_text,
        "interactive": _validate_interactive,
        "location": _validate_location,
        "reaction": _validate_reaction,
        "contacts": _validate_contacts,
    }
    if kind in _MEDIA_TYPES:
        _validate_media(payload, str(kind), out)
    elif kind in validators:
        validators[str(kind)](payload, out)
    return out


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _default_bsuid(wa_id: str) -> str:
    """A stable fake BSUID: ISO country code, a dot, digits (Meta's format)."""
    country = "EC" if wa_id.startswith("593") else "US"
    digest = int.from_bytes(hashlib.sha256(f"bsuid:{wa_id}".encode()).digest()[:8], "big")
    return f"{country}.{digest:020d}"


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


async def _read_payload(request: web.Request) -> Any:
    """The send body: JSON, or form fields whose object values are JSON (Graph accepts both)."""
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        params: JsonDict = dict(request.query)
        for key, value in form.items():
            if isinstance(value, str) and value.strip()[:1] in {"{", "["}:
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
                    continue
            params[key] = value
        return params
    raw = await request.read()
    if not raw.strip():
        return dict(request.query)
    try:
        return json.loads(raw)
    except ValueError:
        raise _invalid("Invalid parameter") from None


# --------------------------------------------------------------------------- rate limits


class _Throughput:
    """At most ``capacity`` accepted sends in any 1-second window (per business number)."""

    def __init__(self, per_second: float) -> None:
        self._capacity = max(1, math.floor(per_second + 1e-9))
        self._hits: deque[float] = deque()

    def allows(self, now: float) -> bool:
        while self._hits and self._hits[0] <= now - 1.0:
            self._hits.popleft()
        return len(self._hits) < self._capacity

    def record(self, now: float) -> None:
        self._hits.append(now)


@dataclass
class _Pair:
    repaid_at: float = 0.0
    burst_started: float = 0.0
    burst_count: int = 0


class _PairPacer:
    """One message per ``interval`` per recipient; a burst borrows and must be repaid."""

    def __init__(self, interval: float, burst: int) -> None:
        self._interval = interval
        self._burst = max(1, burst)
        self._pairs: dict[str, _Pair] = {}

    def allows(self, key: str, now: float) -> bool:
        if self._interval <= 0:
            return True
        pair = self._pairs.get(key)
        if pair is None or now >= pair.repaid_at:
            return True
        return now - pair.burst_started < self._interval and pair.burst_count < self._burst

    def record(self, key: str, now: float) -> None:
        if self._interval <= 0:
            return
        pair = self._pairs.setdefault(key, _Pair())
        if now >= pair.repaid_at:
            pair.burst_started, pair.burst_count, pair.repaid_at = now, 0, now
        pair.burst_count += 1
        pair.repaid_at += self._interval


# --------------------------------------------------------------------------- fault rules


@dataclass
class _Fault:
    endpoint: Endpoint
    remaining: int
    to: str | None
    error: GraphError | None
    async_code: int | None


@dataclass
class _Stall:
    endpoint: Endpoint
    remaining: int
    to: str | None
    seconds: float
    deliver: bool


def _take(rules: list[Any], endpoint: Endpoint, to: str | None) -> Any:
    for rule in rules:
        if rule.endpoint in {endpoint, "*"} and rule.to in {None, to}:
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


@dataclass
class _Event:
    seq: int
    event_id: str
    body: bytes
    due: float
    attempts: int = 0
    in_flight: bool = False


# --------------------------------------------------------------------------- people


class FakeWhatsAppUser:
    """A scripted person on WhatsApp.

    ``wa_id`` is the phone number (digits, no ``+``); ``bsuid`` the business-scoped user id
    Meta sends as ``user_id`` since April 2026. A person with a ``username`` and
    ``phone_hidden`` reaches the bot without any phone number in the webhooks.
    """

    def __init__(
        self,
        fake: FakeWhatsApp,
        wa_id: str,
        name: str,
        bsuid: str,
        *,
        username: str | None = None,
        phone_hidden: bool = False,
    ) -> None:
        self._fake = fake
        self.wa_id = wa_id
        self.name = name
        self.bsuid = bsuid
        self.username = username
        self.phone_hidden = phone_hidden
        self.inbox: list[Delivered] = []
        self.failed: list[FailedSend] = []
        self.statuses: list[StatusEvent] = []
        self.sent: list[JsonDict] = []
        #: Virtual time of this person's last message to the business (opens the 24-hour window).
        self.last_inbound_at: float | None = None
        self.undeliverable = False
        self._consumed = 0
        self._read = 0

    def describe(self) -> str:
        return f"{self.name} ({self.wa_id})"

    def contact_json(self, *, with_username: bool = True) -> JsonDict:
        """The ``contacts[]`` entry of a webhook about this person."""
        profile: JsonDict = {"name": self.name}
        if self.username and with_username:
            profile["username"] = self.username
        contact: JsonDict = {"profile": profile}
        if not self.phone_hidden:
            contact["wa_id"] = self.wa_id
        if self._fake.bsuid_fields:
            contact["user_id"] = self.bsuid
        return contact

    def status_contact_json(self, status: StatusName, *, via_bsuid: bool) -> JsonDict:
        """The ``contacts[]`` entry of a status webhook: no profile name; a failed one names the
        recipient only as it was addressed (as in captured 2026 payloads)."""
        contact: JsonDict = {}
        if self.username and status in {"delivered", "read"}:
            contact["profile"] = {"username": self.username}
        if not self.phone_hidden and not (status == "failed" and via_bsuid):
            contact["wa_id"] = self.wa_id
        if status != "failed" or via_bsuid:
            contact["user_id"] = self.bsuid
        return contact

    @property
    def window_open(self) -> bool:
        last = self.last_inbound_at
        return last is not None and self._fake.now() - last < WINDOW_SECONDS

    def pending(self) -> list[Delivered]:
        """Bot messages not yet consumed by ``expect``."""
        return self.inbox[self._consumed :]

    # ----------------------------------------------------------------- reading

    async def expect(
        self,
        contains: str | None = None,
        *,
        kind: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Delivered:
        """The next unconsumed bot message; it must contain ``contains`` (and be ``kind``).

        Strict on purpose: earlier messages are not skipped. The message is consumed even
        when the check fails (the AssertionError shows it).
        """
        if not await self._fake.wait_until(lambda: len(self.inbox) > self._consumed, timeout):
            last = self.inbox[-1].describe() if self.inbox else "nothing at all"
            failed = f"; failed sends: {[f.code for f in self.failed]}" if self.failed else ""
            raise AssertionError(f"{self.describe()}: no new bot message within {timeout}s (last one: {last}){failed}")
        received = self.inbox[self._consumed]
        self._consumed += 1
        if contains is not None and contains not in (received.text or ""):
            raise AssertionError(
                f"{self.describe()}: expected a message containing {contains!r}, got {received.describe()}"
            )
        if kind is not None and received.kind != kind:
            raise AssertionError(f"{self.describe()}: expected a {kind}, got {received.describe()}")
        return received

    async def expect_silence(self, seconds: float = 0.3) -> None:
        """Assert the bot sends nothing (new or unconsumed) to this person for ``seconds``."""
        if await self._fake.wait_until(lambda: len(self.inbox) > self._consumed, seconds):
            sent = "; ".join(item.describe() for item in self.pending())
            raise AssertionError(f"{self.describe()}: expected silence, the bot sent: {sent}")

    async def expect_failure(self, code: int | None = None, *, timeout: float = 10.0) -> FailedSend:  # noqa: ASYNC109
        """The first failed send (reported by status webhook) with ``code``, waiting for it."""

        def find() -> FailedSend | None:
            return next((f for f in self.failed if code is None or f.code == code), None)

        if not await self._fake.wait_until(lambda: find() is not None, timeout):
            raise AssertionError(f"{self.describe()}: no failed send with code {code} within {timeout}s")
        found = find()
        assert found is not None
        return found

    async def read(self) -> list[str]:
        """Open the chat: a ``read`` status webhook for every delivered message not yet read."""
        unread = self.inbox[self._read :]
        self._read = len(self.inbox)
        for message in unread:
            await self._fake.queue_status(message, "read")
        return [message.id for message in unread]

    def last_with_choices(self) -> Delivered:
        for item in reversed(self.inbox):
            if item.choices:
                return item
        raise AssertionError(f"{self.describe()}: the bot sent no message with buttons or a list")

    # ----------------------------------------------------------------- writing

    async def send(self, text: str) -> str:
        """Write a text message; returns its ``wamid`` (the webhook event id)."""
        return await self._fake.enqueue_message(self, {"type": "text", "text": {"body": text}})

    async def reply_to(self, message: Delivered | str, text: str) -> str:
        """Reply (swipe-to-reply) to a bot message with text: the webhook carries ``context``."""
        message_id = message.id if isinstance(message, Delivered) else message
        return await self._fake.enqueue_message(
            self, {"type": "text", "text": {"body": text}}, context=self._fake.context_of(message_id)
        )

    async def press(self, label: str, *, message: Delivered | None = None) -> str:
        """Tap a reply button or pick a list row (by title, else by id) of the latest message with choices."""
        target = message or self.last_with_choices()
        choice = next((c for c in target.choices if c.title == label), None)
        choice = choice or next((c for c in target.choices if c.id == label), None)
        if choice is None:
            raise AssertionError(f"{self.describe()}: no choice {label!r} in {target.describe()}")
        return await self._fake.enqueue_choice(self, target, choice)

    async def press_id(self, choice_id: str, title: str = "?", *, message: Delivered | None = None) -> str:
        """Send a choice the bot never offered (a stale or forged id), as a reply to ``message``."""
        target = message or self.last_with_choices()
        return await self._fake.enqueue_choice(self, target, Choice(choice_id, title))

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        name: str | None = None,
        address: str | None = None,
    ) -> str:
        location: JsonDict = {"latitude": latitude, "longitude": longitude}
        if name:
            location["name"] = name
        if address:
            location["address"] = address
        return await self._fake.enqueue_message(self, {"type": "location", "location": location})

    async def send_image(
        self, content: bytes = PNG_BYTES, *, caption: str | None = None, mime_type: str = "image/jpeg"
    ) -> str:
        """A photo: the webhook carries a media id the bot can fetch with ``GET /{version}/{media_id}``."""
        item = self._fake.add_media(content, mime_type, origin="user")
        image: JsonDict = {"mime_type": mime_type, "sha256": item.sha256_b64, "id": item.id}
        if caption:
            image = {"caption": caption, **image}
        return await self._fake.enqueue_message(self, {"type": "image", "image": image})

    async def send_document(
        self,
        content: bytes = b"%PDF-1.4 fake",
        *,
        filename: str = "propuesta.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> str:
        item = self._fake.add_media(content, mime_type, origin="user", filename=filename)
        document: JsonDict = {"filename": filename, "mime_type": mime_type, "sha256": item.sha256_b64, "id": item.id}
        if caption:
            document = {"caption": caption, **document}
        return await self._fake.enqueue_message(self, {"type": "document", "document": document})

    async def send_sticker(self, *, animated: bool = False) -> str:
        item = self._fake.add_media(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", origin="user")
        sticker = {"mime_type": "image/webp", "sha256": item.sha256_b64, "id": item.id, "animated": animated}
        return await self._fake.enqueue_message(self, {"type": "sticker", "sticker": sticker})

    async def send_audio(self, *, voice: bool = True, content: bytes = b"OggS-voice") -> str:
        item = self._fake.add_media(content, "audio/ogg", origin="user")
        audio = {"mime_type": "audio/ogg; codecs=opus", "sha256": item.sha256_b64, "id": item.id, "voice": voice}
        return await self._fake.enqueue_message(self, {"type": "audio", "audio": audio})

    async def send_unsupported(self, kind: str = "poll") -> str:
        """Something the Cloud API cannot carry (a poll, a view-once photo...): ``type: unsupported``."""
        error = {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
        fields = {"errors": [error], "type": "unsupported", "unsupported": {"type": kind}}
        return await self._fake.enqueue_message(self, fields)

    async def react(self, message: Delivered | str, emoji: str = "👍") -> str:
        message_id = message.id if isinstance(message, Delivered) else message
        return await self._fake.enqueue_message(
            self, {"type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}
        )

    async def send_fields(self, fields: Mapping[str, Any], *, context: Mapping[str, Any] | None = None) -> str:
        """Any message object fields (``type`` plus its content), for what the helpers do not cover."""
        return await self._fake.enqueue_message(self, dict(fields), context=context)


# --------------------------------------------------------------------------- the server


class FakeWhatsApp:
    """The fake WhatsApp Cloud API server. See the module docstring."""

    def __init__(
        self,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        token: str = DEFAULT_TOKEN,
        app_secret: str = DEFAULT_APP_SECRET,
        *,
        version: str = DEFAULT_VERSION,
        display_phone_number: str = DEFAULT_DISPLAY_PHONE_NUMBER,
        waba_id: str = DEFAULT_WABA_ID,
        verified_name: str = "Cocrea",
        limits: ThroughputLimits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        window_failures: Literal["webhook", "response"] = "webhook",
        auto_statuses: Sequence[StatusName] = ("sent", "delivered"),
        webhook_retry: Sequence[float] = (0.05, 0.1, 0.2, 0.4, 0.8),
        webhook_max_attempts: int | None = None,
        webhook_timeout: float = 10.0,
        webhook_concurrency: int = 1,
        bsuid_fields: bool = True,
        record_requests: bool = True,
    ) -> None:
        if not _VERSION_RE.fullmatch(version):
            raise ValueError(f"version must look like 'v21.0', got {version!r}")
        self.phone_number_id = phone_number_id
        self.token = token
        self.app_secret = app_secret
        self.version = version
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self.verified_name = verified_name
        self.limits = limits or ThroughputLimits()
        self.window_failures = window_failures
        self.auto_statuses = tuple(auto_statuses)
        #: Meta's webhooks carry ``user_id``/``from_user_id``/``recipient_user_id`` since 2026-03-31;
        #: False gives the older shape (phone numbers only).
        self.bsuid_fields = bsuid_fields
        #: Older payloads carried ``href`` in ``statuses[].errors[]``; captured 2026 ones do not.
        self.error_href = False
        self.stats = FakeWhatsAppStats()
        self.requests: list[RecordedRequest] = []
        self.messages: list[Delivered] = []
        self.failures: list[FailedSend] = []
        self.statuses: list[StatusEvent] = []
        self.read_marks: list[str] = []
        self.webhook_attempts: list[WebhookAttempt] = []
        self.media: dict[str, MediaItem] = {}
        self.templates: dict[tuple[str, str], Template] = {}
        self.inbound: dict[str, JsonDict] = {}
        self.root_url = ""
        self.base_url = ""
        self._webhook_target: str | None = None
        self._host, self._port = host, port
        self._clock = clock
        self._offset = 0.0
        self._record = record_requests
        self._retry = tuple(webhook_retry) or (0.05,)
        self._max_attempts = webhook_max_attempts
        self._webhook_timeout = webhook_timeout
        self._concurrency = max(1, webhook_concurrency)
        self._throughput = _Throughput(self.limits.messages_per_second)
        self._pairs = _PairPacer(self.limits.pair_interval_seconds, self.limits.pair_burst)
        self._changed = asyncio.Condition()
        self._wake = asyncio.Event()
        self._users: dict[str, FakeWhatsAppUser] = {}
        self._by_message: dict[str, Delivered] = {}
        self._faults: list[_Fault] = []
        self._stalls: list[_Stall] = []
        self._outbox: list[_Event] = []
        self._history: dict[str, bytes] = {}
        self._delivered_events: set[str] = set()
        self._media_hashes: dict[str, str] = {}
        self._seq = 0
        self._counter = 0
        self._instance = secrets.token_hex(3).upper()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeWhatsApp:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0: a free one); set ``base_url``; start the webhook sender."""
        if self._runner is not None:
            return
        self._stopping = False
        app = web.Application(client_max_size=110 * 1024 * 1024)
        app.router.add_get("/whatsapp_business/attachments/", self._handle_download)
        app.router.add_post("/{version}/{object_id}/messages", self._handle_messages)
        app.router.add_post("/{version}/{object_id}/media", self._handle_upload)
        app.router.add_get("/{version}/{object_id}", self._handle_get_object)
        app.router.add_delete("/{version}/{object_id}", self._handle_delete_object)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._runner = runner
        self.root_url = f"http://{self._host}:{runner.addresses[0][1]}"
        self.base_url = f"{self.root_url}/{self.version}"
        self._http = aiohttp.ClientSession()
        self._loop_task = asyncio.create_task(self._webhook_loop())

    async def stop(self) -> None:
        """Stop sending webhooks (undelivered events stay in ``pending_events``) and close the port."""
        if self._runner is None:
            return
        self._stopping = True
        self._wake.set()
        await self._notify()
        tasks = [task for task in (self._loop_task, *self._in_flight) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loop_task = None
        self._in_flight.clear()
        await self._runner.cleanup()
        self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ----------------------------------------------------------------- configuration & people

    @property
    def webhook_target(self) -> str | None:
        """Where webhooks go (the bot's ``/whatsapp`` URL); events wait while it is None."""
        return self._webhook_target

    @webhook_target.setter
    def webhook_target(self, url: str | None) -> None:
        self._webhook_target = url
        self._wake.set()

    def user(
        self,
        wa_id: str,
        name: str = "Ana",
        *,
        bsuid: str | None = None,
        username: str | None = None,
        phone_hidden: bool = False,
    ) -> FakeWhatsAppUser:
        """A person (the same object on repeat). ``wa_id`` is digits; ``+`` and spaces are dropped.

        Every person has a business-scoped user id (``bsuid``, default derived from the
        number, e.g. ``"EC.10839228746510293847"``): webhooks carry it as ``user_id`` /
        ``from_user_id`` and sends may address the person with ``recipient``. With
        ``phone_hidden=True`` (a person who adopted a ``username``) webhooks carry no
        phone number at all, as Meta does for such users.
        """
        key = _digits(wa_id)
        known = self._users.get(key)
        if known is not None:
            return known
        person = FakeWhatsAppUser(
            self, key, name, bsuid or _default_bsuid(key), username=username, phone_hidden=phone_hidden
        )
        self._users[key] = person
        return person

    def add_template(
        self,
        name: str,
        language: str,
        body: str,
        *,
        header: str | None = None,
        footer: str | None = None,
        buttons: Sequence[str] = (),
        category: str = "UTILITY",
    ) -> Template:
        """Register an approved template; only these can be sent (else 132001)."""
        template = Template(name, language, body, header, footer, tuple(buttons), category)
        self.templates[(name, language)] = template
        return template

    def now(self) -> float:
        """Virtual time (seconds since the epoch) used for the window, limits, expiry and timestamps."""
        return self._clock() + self._offset

    def advance(self, *, hours: float = 0, minutes: float = 0, seconds: float = 0) -> float:
        """Move virtual time forward (``advance(hours=25)`` closes every 24-hour window)."""
        self._offset += hours * 3600 + minutes * 60 + seconds
        return self.now()

    def make_undeliverable(self, wa_id: str) -> None:
        """Sends to this number are accepted and then fail by webhook with 131026."""
        self.user(wa_id).undeliverable = True

    def fail_next(
        self,
        endpoint: Endpoint = "messages",
        *,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        details: str | None = None,
        via: Literal["response", "webhook"] = "response",
        times: int = 1,
        to: str | None = None,
    ) -> None:
        """The next ``times`` requests to ``endpoint`` (to ``to``) fail.

        ``via="response"``: an error answer — ``status`` alone gives the usual body for it (500:
        Graph's transient code 2; 503: 131016; 502/504: a gateway's HTML page), ``code`` gives
        Meta's envelope for that code (131047, 130429, 131056, 131000...).
        ``via="webhook"``: the send is accepted (200) and a ``failed`` status with ``code``
        (default 131047) follows, as Meta reports most delivery failures.
        """
        if via == "webhook":
            self._faults.append(_Fault(endpoint, times, _digits(to) if to else None, None, code or 131047))
            return
        if code is not None:
            error = _sync_error(code, status=status, message=message, details=details)
        else:
            error = _status_error(status or 500)
            if message is not None:
                error.message = message
        self._faults.append(_Fault(endpoint, times, _digits(to) if to else None, error, None))

    def stall_next(
        self,
        seconds: float,
        endpoint: Endpoint = "messages",
        *,
        times: int = 1,
        deliver: bool = True,
        to: str | None = None,
    ) -> None:
        """Hold the next ``times`` requests for ``seconds`` before answering (a client timeout).

        With ``deliver=True`` the request is carried out afterwards even if the client gave up
        (a timed-out send may well have been delivered); with ``deliver=False`` it is answered
        500 (transient) and not carried out.
        """
        self._stalls.append(_Stall(endpoint, times, _digits(to) if to else None, seconds, deliver))

    def add_media(
        self,
        content: bytes,
        mime_type: str,
        *,
        origin: Literal["business", "user"] = "business",
        filename: str | None = None,
    ) -> MediaItem:
        """Store bytes under a fresh media id (as an upload, or as a person's photo)."""
        self._counter += 1
        media_id = str(10**15 + self._counter * 7919)
        item = MediaItem(media_id, content, mime_type, filename, origin)
        self.media[media_id] = item
        self._media_hashes[media_id] = secrets.token_urlsafe(12)
        return item

    def message(self, message_id: str) -> Delivered:
        """A message the bot sent, by ``wamid``."""
        return self._by_message[message_id]

    def context_of(self, message_id: str) -> JsonDict:
        """The ``context`` a person's reply to ``message_id`` carries."""
        sender = self.display_phone_number if message_id in self._by_message else None
        if sender is None and message_id in self.inbound:
            sender = str(self.inbound[message_id]["from"])
        return {"from": sender or self.display_phone_number, "id": message_id}

    def calls(self, path_suffix: str = "/messages") -> list[RecordedRequest]:
        """Recorded requests whose path ends with ``path_suffix``."""
        return [request for request in self.requests if request.path.endswith(path_suffix)]

    @property
    def pending_events(self) -> list[str]:
        """Webhook events not yet answered 200 by the bot."""
        return [event.event_id for event in sorted(self._outbox, key=lambda e: e.seq)]

    # ----------------------------------------------------------------- waiting

    async def wait_until(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> bool:  # noqa: ASYNC109
        """Wait (on the fake's condition, no polling) until ``predicate()``; False on timeout."""
        async with self._changed:
            if predicate():
                return True
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(predicate)
            except TimeoutError:
                return predicate()
        return True

    async def wait_delivered(self, event_id: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot answered 200 to the webhook carrying ``event_id``."""
        if not await self.wait_until(lambda: event_id in self._delivered_events, timeout):
            attempts = [a for a in self.webhook_attempts if a.event_id == event_id]
            raise AssertionError(f"webhook event {event_id} not delivered within {timeout}s; attempts: {attempts}")

    async def wait_all_delivered(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until no webhook event is pending."""
        if not await self.wait_until(lambda: not self._outbox, timeout):
            raise AssertionError(f"webhook events still pending after {timeout}s: {self.pending_events}")

    async def wait_for_request(
        self,
        path_suffix: str = "/messages",
        *,
        where: Callable[[Any], bool] | None = None,
        since: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The first recorded request at index >= ``since`` whose path ends with ``path_suffix``."""

        def find() -> RecordedRequest | None:
            for request in self.requests[since:]:
                if request.path.endswith(path_suffix) and (where is None or where(request.body)):
                    return request
            return None

        if not await self.wait_until(lambda: find() is not None, timeout):
            raise AssertionError(f"no request to *{path_suffix} within {timeout}s")
        found = find()
        assert found is not None
        return found

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- webhooks: what people do

    def _new_wamid(self) -> str:
        self._counter += 1
        raw = f"{self.phone_number_id}{self._instance}{self._counter:012d}".encode()
        return "wamid.HBgM" + base64.b64encode(raw).decode()

    def _value(self, content: JsonDict) -> JsonDict:
        metadata = {"display_phone_number": self.display_phone_number, "phone_number_id": self.phone_number_id}
        return {"messaging_product": "whatsapp", "metadata": metadata, **content}

    def envelope(self, content: Mapping[str, Any]) -> JsonDict:
        """A ``messages`` webhook body around ``content`` (``contacts``/``messages`` or ``statuses``)."""
        change = {"value": self._value(dict(content)), "field": "messages"}
        return {"object": "whatsapp_business_account", "entry": [{"id": self.waba_id, "changes": [change]}]}

    async def enqueue_message(
        self, user: FakeWhatsAppUser, fields: JsonDict, *, context: Mapping[str, Any] | None = None
    ) -> str:
        """Queue a message from ``user`` (``fields``: ``type`` and its content); returns its ``wamid``."""
        wamid = self._new_wamid()
        now = self.now()
        message: JsonDict = {}
        if context is not None:
            message["context"] = dict(context)
        if not user.phone_hidden:
            message["from"] = user.wa_id
        if self.bsuid_fields:
            message["from_user_id"] = user.bsuid
        message.update({"id": wamid, "timestamp": str(int(now)), **fields})
        user.last_inbound_at = now
        user.sent.append(message)
        self.inbound[wamid] = message
        await self.enqueue_webhook(self.envelope({"contacts": [user.contact_json()], "messages": [message]}), wamid)
        return wamid

    async def enqueue_choice(self, user: FakeWhatsAppUser, target: Delivered, choice: Choice) -> str:
        """Queue the webhook for a tapped button / picked row of ``target``."""
        context = self.context_of(target.id)
        if target.kind == "template":
            fields: JsonDict = {"type": "button", "button": {"payload": choice.id, "text": choice.title}}
        elif target.interactive_type == "list":
            reply: JsonDict = {"id": choice.id, "title": choice.title}
            if choice.description:
                reply["description"] = choice.description
            fields = {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": reply}}
        else:
            button_reply = {"id": choice.id, "title": choice.title}
            fields = {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": button_reply}}
        return await self.enqueue_message(user, fields, context=context)

    async def enqueue_webhook(self, payload: Mapping[str, Any], event_id: str | None = None) -> str:
        """Queue any webhook body (signed and retried like the others); returns its event id."""
        self._seq += 1
        event_id = event_id or f"event-{self._seq}"
        body = meta_json(payload)
        self._history[event_id] = body
        self._outbox.append(_Event(self._seq, event_id, body, asyncio.get_running_loop().time()))
        self.stats.webhook_events += 1
        self._wake.set()
        await self._notify()
        return event_id

    async def redeliver(self, event_id: str) -> None:
        """Deliver a past event again, byte for byte (Meta does, after retries and outages)."""
        body = self._history[event_id]
        if any(event.event_id == event_id for event in self._outbox):
            return
        self._seq += 1
        self._delivered_events.discard(event_id)
        self._outbox.append(_Event(self._seq, event_id, body, asyncio.get_running_loop().time()))
        self._wake.set()
        await self._notify()

    async def queue_status(self, message: Delivered, status: StatusName, errors: Sequence[JsonDict] = ()) -> str:
        """Queue a status webhook about one of the bot's messages."""
        timestamp = int(self.now())
        user = self._users.get(message.to)
        item: JsonDict = {"id": message.id, "status": status, "timestamp": str(timestamp)}
        by_phone = not message.via_bsuid and not (user is not None and user.phone_hidden and status != "failed")
        if by_phone:
            item["recipient_id"] = message.to
        if self.bsuid_fields and user is not None and (status != "failed" or message.via_bsuid):
            item["recipient_user_id"] = user.bsuid
        if errors:
            item["errors"] = [dict(error) for error in errors]
        elif status in {"sent", "delivered"}:
            template = self.templates.get((message.template or "", message.language or ""))
            kind = template.category.lower() if template else "service"
            item["pricing"] = {"billable": kind != "service", "pricing_model": "PMP", "category": kind}
        if message.tracker is not None:
            item["biz_opaque_callback_data"] = message.tracker
        event_id = f"{message.id}:{status}"
        event = StatusEvent(event_id, message.id, message.to, status, timestamp, tuple(errors))
        self.statuses.append(event)
        content: JsonDict = {"statuses": [item]}
        if user is not None:
            user.statuses.append(event)
            if self.bsuid_fields:
                content = {"contacts": [user.status_contact_json(status, via_bsuid=message.via_bsuid)], **content}
        return await self.enqueue_webhook(self.envelope(content), event_id)

    # ----------------------------------------------------------------- webhooks: sending

    async def verify_webhook(
        self, verify_token: str, *, challenge: str | None = None, mode: str = "subscribe", url: str | None = None
    ) -> VerificationResult:
        """Send Meta's GET handshake (``hub.mode``, ``hub.verify_token``, ``hub.challenge``); return the answer."""
        target = url or self.webhook_target
        if target is None or not _is_loopback(target) or self._http is None:
            raise RuntimeError("verify_webhook needs a started fake and a loopback webhook_target")
        challenge = challenge or str(secrets.randbelow(10**10))
        query = urlencode({"hub.mode": mode, "hub.challenge": challenge, "hub.verify_token": verify_token})
        separator = "&" if "?" in target else "?"
        async with self._http.get(f"{target}{separator}{query}") as response:
            return VerificationResult(response.status, await response.text(), challenge)

    async def deliver_raw(
        self, body: bytes | Mapping[str, Any], *, signature: str | None = "valid", url: str | None = None
    ) -> int:
        """POST one body once (no retry) and return the HTTP status: for signature tests.

        ``signature="valid"`` signs it with the app secret; ``None`` sends no header; any other
        string is sent as the header value.
        """
        target = url or self.webhook_target
        if target is None or not _is_loopback(target) or self._http is None:
            raise RuntimeError("deliver_raw needs a started fake and a loopback webhook_target")
        raw = body if isinstance(body, bytes) else meta_json(body)
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = sign_body(self.app_secret, raw) if signature == "valid" else signature
        async with self._http.post(target, data=raw, headers=headers) as response:
            await response.read()
            return response.status

    def _busy(self) -> int:
        """Events being posted now (counted on the events: a finished task may not be discarded yet)."""
        return sum(1 for event in self._outbox if event.in_flight)

    def _next_wait(self, now: float) -> float | None:
        waiting = [event.due for event in self._outbox if not event.in_flight]
        if not waiting or self._webhook_target is None or self._busy() >= self._concurrency:
            return None
        return max(0.0, min(waiting) - now)

    async def _webhook_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            now = loop.time()
            if self._webhook_target is not None:
                due = sorted((e for e in self._outbox if not e.in_flight and e.due <= now), key=lambda e: e.seq)
                for event in due[: max(0, self._concurrency - self._busy())]:
                    event.in_flight = True
                    task = asyncio.create_task(self._attempt(event))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
            wait = self._next_wait(now)
            if wait == 0.0:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _attempt(self, event: _Event) -> None:
        event.attempts += 1
        self.stats.webhook_attempts += 1
        status, error = await self._post(event.body)
        self.webhook_attempts.append(WebhookAttempt(event.event_id, event.attempts, status, error, self.now()))
        event.in_flight = False
        if status == 200:
            self.stats.webhook_deliveries += 1
            self._outbox.remove(event)
            self._delivered_events.add(event.event_id)
        else:
            self.stats.webhook_failures += 1
            if self._max_attempts is not None and event.attempts >= self._max_attempts:
                self.stats.webhook_dropped += 1
                self._outbox.remove(event)
            else:
                delay = self._retry[min(event.attempts, len(self._retry)) - 1]
                event.due = asyncio.get_running_loop().time() + delay
        self._wake.set()
        await self._notify()

    async def _post(self, body: bytes) -> tuple[int | None, str | None]:
        target = self._webhook_target
        if target is None or self._http is None:
            return None, "no webhook target"
        if not _is_loopback(target):
            return None, "Connection refused (the fake only calls loopback hosts)"
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            SIGNATURE_HEADER: sign_body(self.app_secret, body),
            "X-Hub-Signature": "sha1=" + hmac.new(self.app_secret.encode(), body, hashlib.sha1).hexdigest(),
        }
        try:
            timeout = aiohttp.ClientTimeout(total=self._webhook_timeout)
            async with self._http.post(target, data=body, headers=headers, timeout=timeout) as response:
                await response.read()
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as error:
            return None, f"{type(error).__name__}: {error}"

    # ----------------------------------------------------------------- HTTP plumbing

    def _fbtrace_id(self) -> str:
        return "A" + secrets.token_urlsafe(16)[:22]

    def _error_response(self, error: GraphError) -> web.Response:
        if error.status >= 500:
            self.stats.responses_5xx += 1
        elif error.status >= 400:
            self.stats.responses_4xx += 1
        headers = {"facebook-api-version": self.version, "x-fb-trace-id": self._fbtrace_id()}
        if error.raw_body is not None:
            return web.Response(status=error.status, text=error.raw_body, content_type="text/html", headers=headers)
        if error.status == 401:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{error.message}"'
        return web.json_response(error.envelope(headers["x-fb-trace-id"]), status=error.status, headers=headers)

    def _ok(self, body: JsonDict) -> web.Response:
        return web.json_response(body, headers={"facebook-api-version": self.version})

    def _check_auth(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else request.query.get("access_token")
        if not token:
            raise _no_token()
        if token != self.token:
            raise _bad_token()

    def _check_version(self, request: web.Request) -> None:
        if not _VERSION_RE.fullmatch(request.match_info.get("version", "")):
            raise _unknown_path(request.path)

    def _record_request(self, request: web.Request, body: Any) -> None:
        self.stats.requests += 1
        if self._record:
            headers = {key: value for key, value in request.headers.items() if key.lower() != "authorization"}
            self.requests.append(RecordedRequest(request.method, request.path, body, headers))

    async def _faults_for(self, endpoint: Endpoint, to: str | None) -> _Fault | None:
        """Apply a stall and return a pending fault rule for this request, if any."""
        stall: _Stall | None = _take(self._stalls, endpoint, to)
        if stall is not None:
            self.stats.stalled_requests += 1
            await self.wait_until(lambda: self._stopping, stall.seconds)
            if not stall.deliver:
                raise _sync_error(2)
        fault: _Fault | None = _take(self._faults, endpoint, to)
        if fault is not None:
            self.stats.injected_faults += 1
            if fault.error is not None:
                raise fault.error
        return fault

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        self._record_request(request, None)
        return self._error_response(_unknown_path(request.path))

    # ----------------------------------------------------------------- /messages

    async def _handle_messages(self, request: web.Request) -> web.Response:
        try:
            payload = await _read_payload(request)
        except GraphError as error:
            self._record_request(request, None)
            return self._error_response(error)
        self._record_request(request, payload)
        await self._notify()
        try:
            self._check_version(request)
            self._check_auth(request)
            if request.match_info["object_id"] != self.phone_number_id:
                raise _no_object("post", request.match_info["object_id"])
            body = await self._send(_validate_common(payload))
        except GraphError as error:
            return self._error_response(error)
        await self._notify()
        return self._ok(body)

    async def _send(self, payload: Mapping[str, Any]) -> JsonDict:
        if payload.get("status") == "read":
            message_id = _text(payload, "message_id", "message_id")
            assert message_id is not None
            await self._faults_for("messages", None)
            self.read_marks.append(message_id)
            return {"success": True}
        out = _validate_send(payload)
        template: Template | None = None
        if out.kind == "template":
            template = self._validate_template(payload, out)
        user = self._recipient_user(out)
        key = user.wa_id if user else _digits(out.to)
        fault = await self._faults_for("messages", key)
        failure = self._async_failure(out, user, fault)
        self._admit(key)
        delivered = self._deliverable(out, template, key, payload)
        self.messages.append(delivered)
        self._by_message[delivered.id] = delivered
        self.stats.messages_accepted += 1
        if failure is not None:
            await self._fail(delivered, failure, user)
        else:
            assert user is not None
            user.inbox.append(delivered)
            self.stats.messages_delivered += 1
            for status in self.auto_statuses:
                await self.queue_status(delivered, status)
        message: JsonDict = {"id": delivered.id}
        if out.kind == "template":
            message["message_status"] = "accepted"
        contact: JsonDict = {"input": out.to}
        if not (out.recipient_field == "recipient" and user is not None and user.phone_hidden):
            contact["wa_id"] = key
        if out.recipient_field == "recipient" and user is not None:
            contact["user_id"] = user.bsuid
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}

    def _recipient_user(self, out: _Outgoing) -> FakeWhatsAppUser | None:
        if out.recipient_field == "recipient":
            found = next((u for u in self._users.values() if u.bsuid == out.to), None)
            if found is None:
                raise _not_valid(f"Invalid recipient. No user with business-scoped user id {out.to}")
            return found
        return self._users.get(_digits(out.to))

    def _validate_template(self, payload: Mapping[str, Any], out: _Outgoing) -> Template:
        spec = _object(payload, "template", "template")
        name = _text(spec, "name", "template['name']")
        language = _object(spec, "language", "template['language']")
        code = _text(language, "code", "template['language']['code']")
        assert name is not None and code is not None
        template = self.templates.get((name, code))
        if template is None:
            raise GraphError(
                404,
                132001,
                "(#132001) Template name does not exist in the translation",
                details=f"template name ({name}) does not exist in {code}",
            )
        parameters, payloads = _template_parameters(spec.get("components"))
        out.text, out.parameters = _render_template(template, parameters)
        out.template, out.header, out.footer = template, template.header, template.footer
        out.choices = tuple(
            Choice(payloads[index] if index < len(payloads) and payloads[index] else title, title)
            for index, title in enumerate(template.buttons)
        )
        return template

    def _admit(self, key: str) -> None:
        now = self.now()
        if not self._throughput.allows(now):
            self.stats.throughput_errors += 1
            raise _throughput_error()
        if not self._pairs.allows(key, now):
            self.stats.pair_errors += 1
            raise _pair_error()
        self._throughput.record(now)
        self._pairs.record(key, now)

    def _deliverable(
        self, out: _Outgoing, template: Template | None, key: str, payload: Mapping[str, Any]
    ) -> Delivered:
        return Delivered(
            id=self._new_wamid(),
            to=key,
            kind=out.kind,
            text=out.text,
            interactive_type=out.interactive_type,
            choices=out.choices,
            list_button=out.list_button,
            header=out.header,
            footer=out.footer,
            template=template.name if template else None,
            language=template.language if template else None,
            parameters=out.parameters,
            media_id=out.media_id,
            link=out.link,
            filename=out.filename,
            location=out.location,
            reaction=out.reaction,
            reply_to=out.reply_to,
            tracker=out.tracker,
            via_bsuid=out.recipient_field == "recipient",
            sent_at=self.now(),
            payload=dict(payload),
        )

    def _async_failure(self, out: _Outgoing, user: FakeWhatsAppUser | None, fault: _Fault | None) -> int | None:
        """The error code Meta would report by webhook for an accepted send, if any."""
        if fault is not None and fault.async_code is not None:
            return fault.async_code
        if user is None or user.undeliverable:
            return 131026
        if out.free_form and not user.window_open:
            if self.window_failures == "response":
                raise _sync_error(131047)
            return 131047
        if out.media_id is not None and out.media_id not in self.media:
            return 131053
        return None

    async def _fail(self, delivered: Delivered, code: int, user: FakeWhatsAppUser | None) -> None:
        title, details = ASYNC_ERRORS.get(code, (f"Error {code}", f"Error {code}"))
        failure = FailedSend(delivered, code, title, details)
        self.failures.append(failure)
        self.stats.messages_failed += 1
        if user is not None:
            user.failed.append(failure)
        error: JsonDict = {"code": code, "title": title, "message": title, "error_data": {"details": details}}
        if self.error_href:
            error["href"] = ERROR_HREF
        await self.queue_status(delivered, "failed", [error])

    # ----------------------------------------------------------------- media

    async def _handle_upload(self, request: web.Request) -> web.Response:
        self._record_request(request, "<multipart>")
        try:
            self._check_version(request)
            self._check_auth(request)
            if request.match_info["object_id"] != self.phone_number_id:
                raise _no_object("post", request.match_info["object_id"])
            await self._faults_for("media", None)
            item = await self._upload(request)
        except GraphError as error:
            return self._error_response(error)
        self.stats.uploads += 1
        await self._notify()
        return self._ok({"id": item.id})

    async def _upload(self, request: web.Request) -> MediaItem:
        if not request.content_type.startswith("multipart/"):
            raise _required("file")
        form = await request.post()
        product = form.get("messaging_product")
        if product is None:
            raise _required("messaging_product")
        if product != "whatsapp":
            got = product if isinstance(product, str) else type(product).__name__
            raise _invalid(f'Param messaging_product must be one of {{WHATSAPP}} - got "{got}".')
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise _required("file")
        content = upload.file.read()
        declared = form.get("type")
        mime = (declared if isinstance(declared, str) and declared else upload.content_type).split(";")[0].strip()
        limit = _MEDIA_LIMITS.get(mime)
        if limit is None:
            raise _invalid(
                f"Param file must be a file with one of the following types: {', '.join(_MEDIA_LIMITS)}. "
                f"Received file of type '{mime}'."
            )
        if not content:
            raise _invalid("Param file must not be empty.")
        if len(content) > limit:
            raise GraphError(
                400,
                131053,
                "(#131053) Media upload error",
                details=f"File of type {mime} is larger than the {limit} bytes allowed.",
            )
        return self.add_media(content, mime, origin="business", filename=upload.filename)

    def _media_url(self, item: MediaItem) -> str:
        query = urlencode({"mid": item.id, "ext": str(int(self.now())), "hash": self._media_hashes[item.id]})
        return f"{self.root_url}/whatsapp_business/attachments/?{query}"

    async def _handle_get_object(self, request: web.Request) -> web.Response:
        self._record_request(request, dict(request.query))
        object_id = request.match_info["object_id"]
        try:
            self._check_version(request)
            self._check_auth(request)
            if object_id == self.phone_number_id:
                return self._ok(self._phone_number_info())
            item = self.media.get(object_id)
            owner = request.query.get("phone_number_id")
            if item is None or (owner is not None and owner != self.phone_number_id):
                raise _no_object("get", object_id)
            await self._faults_for("media_url", None)
        except GraphError as error:
            return self._error_response(error)
        return self._ok(
            {
                "url": self._media_url(item),
                "mime_type": item.mime_type,
                "sha256": item.sha256_hex,
                "file_size": len(item.content),
                "id": item.id,
                "messaging_product": "whatsapp",
            }
        )

    def _phone_number_info(self) -> JsonDict:
        return {
            "verified_name": self.verified_name,
            "code_verification_status": "VERIFIED",
            "display_phone_number": f"+{self.display_phone_number}",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": self.phone_number_id,
        }

    async def _handle_delete_object(self, request: web.Request) -> web.Response:
        self._record_request(request, dict(request.query))
        object_id = request.match_info["object_id"]
        try:
            self._check_version(request)
            self._check_auth(request)
            if self.media.pop(object_id, None) is None:
                raise _no_object("delete", object_id)
        except GraphError as error:
            return self._error_response(error)
        return self._ok({"success": True})

    async def _handle_download(self, request: web.Request) -> web.Response:
        self._record_request(request, dict(request.query))
        item = self.media.get(request.query.get("mid", ""))
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer ") or header[7:].strip() != self.token:
            self.stats.responses_4xx += 1
            return web.Response(status=401, text="Unauthorized")
        issued = request.query.get("ext", "0")
        fresh = issued.isdigit() and self.now() - int(issued) <= MEDIA_URL_TTL_SECONDS
        if item is None or not fresh or request.query.get("hash") != self._media_hashes.get(item.id):
            self.stats.responses_4xx += 1
            return web.Response(status=404, text="Not Found")
        try:
            await self._faults_for("download", None)
        except GraphError as error:
            return self._error_response(error)
        self.stats.downloads += 1
        return web.Response(body=item.content, content_type=item.mime_type)
