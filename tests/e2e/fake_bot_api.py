"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It speaks Telegram's real HTTP protocol on 127.0.0.1 (random free port), so the
real client libraries (aiogram, python-telegram-bot) talk to it unchanged, and
it plays the people on the other side: scripted citizens who send messages,
press inline buttons and read what the bot answered.

Using it from pytest (pytest-asyncio, ``asyncio_mode = auto``)::

    import pytest_asyncio
    from tests.e2e.fake_bot_api import FakeBotApi, FloodLimits

    @pytest_asyncio.fixture
    async def fake() -> AsyncIterator[FakeBotApi]:
        async with FakeBotApi(token="123456:TEST-TOKEN") as api:
            yield api

    async def test_welcome(fake: FakeBotApi) -> None:
        # Point the bot under test at fake.base_url:
        #   aiogram: Bot(fake.token, session=AiohttpSession(
        #                api=TelegramAPIServer.from_base(fake.base_url)))
        #   PTB:     telegram.Bot(fake.token, base_url=f"{fake.base_url}/bot")
        ana = fake.user(1001, "Ana")
        await ana.send("/start")
        welcome = await ana.expect("Hola")      # next bot message, strictly
        await ana.press(welcome.labels[0])      # callback_query update
        await ana.expect_silence()              # nothing else was sent

Rules of the house:

* Nothing here sleeps to wait for the bot: ``expect``, ``wait_until``,
  ``wait_for_request`` and long polling wait on one ``asyncio.Condition`` with a
  timeout. ``expect_silence`` is the one place where waiting out a short
  period is the point.
* Updates are kept until the bot confirms them (``getUpdates`` with a higher
  ``offset``, or a 2xx answer from its webhook); unconfirmed ones are delivered
  again, as Telegram does after a crash.
* Failures are realistic Telegram envelopes with real status codes: flood
  control (``FloodLimits``), ``fail_next``, ``stall_next``, ``block`` and the
  validation errors Telegram gives (empty/long text, bad callback data, bad
  HTML/MarkdownV2, unknown chat...). A failed send is never put in an inbox.
* A request held by ``stall_next`` is still carried out afterwards even if the
  client gave up (as with the real Telegram, a timed-out send may have been
  delivered) unless ``deliver=False``.
* Webhook deliveries only go to loopback hosts; set ``fake.webhook_target`` to
  send them to the bot's local server when it registers a public URL.

The module imports nothing from pytest so benchmarks can use it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeChat",
    "FakeGroup",
    "FakeStats",
    "FakeUser",
    "FloodLimits",
    "Received",
    "RecordedRequest",
    "StoredFile",
    "UploadedFile",
]

JsonDict = dict[str, Any]
Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]
ReceivedKind = Literal["message", "edit", "document", "photo"]

DEFAULT_TOKEN: Final = "123456:TEST-TOKEN"
HTML_PAGE: Final = "__html_page__"
BOT_FIRST_NAME: Final = "Cocrea"
BOT_USERNAME: Final = "cocrea_test_bot"
MAX_TEXT_CHARS: Final = 4096
MAX_CAPTION_CHARS: Final = 1024
MAX_CALLBACK_BYTES: Final = 64
MAX_BUTTONS: Final = 100
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024

WEBHOOK_SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
CONFLICT_WEBHOOK: Final = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
CONFLICT_POLLING: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
BLOCKED_BY_USER: Final = "Forbidden: bot was blocked by the user"
KICKED_FROM_GROUP: Final = "Forbidden: bot was kicked from the supergroup chat"
CANT_INITIATE: Final = "Forbidden: bot can't initiate conversation with a user"
QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
    }
)
_FORM_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS: Final = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)
_NOT_BY_DEFAULT: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_DEFAULT_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: BLOCKED_BY_USER,
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_IMAGE_MAGIC: Final = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM")
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})

#: Smallest bytes that pass the fake's image check (a PNG signature), for tests.
PNG_BYTES: Final = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """A Telegram error answer: ``{"ok": false, "error_code": status, ...}``."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None, html: bool = False) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.html = html
        """Answer an HTML page instead of Telegram's JSON, as a proxy in front of the Bot API does on a 502."""

    def envelope(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _entities_error(detail: str) -> ApiError:
    return _bad_request(f"can't parse entities: {detail}")


# --------------------------------------------------------------------------- public values


@dataclass(frozen=True)
class FloodLimits:
    """Flood control over sliding windows; defaults are generous so tests run fast.

    At most ``rate * window_seconds`` (at least 1) sends are accepted in any
    window, globally and per chat; groups also get a per-minute window, as on
    Telegram (real values are about 30/s, 1/s per chat and 20/min per group).
    """

    global_per_second: float = 1000.0
    per_chat_per_second: float = 1000.0
    per_group_per_minute: float = 60_000.0
    window_seconds: float = 1.0


@dataclass
class FakeStats:
    """Counters, for assertions and benchmarks."""

    requests: int = 0
    sent_messages: int = 0
    edited_messages: int = 0
    callback_answers: int = 0
    chat_actions: int = 0
    flood_429: int = 0
    responses_429: int = 0
    responses_4xx: int = 0
    responses_5xx: int = 0
    injected_faults: int = 0
    stalled_requests: int = 0
    updates_enqueued: int = 0
    updates_returned: int = 0
    webhook_attempts: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0


class RecordedRequest(NamedTuple):
    """One API call as the fake saw it (``method`` is the canonical name)."""

    method: str
    params: Params


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A file known to the fake, by ``file_id`` (sent by the bot or by a person)."""

    file_id: str
    file_unique_id: str
    kind: str
    filename: str
    content: bytes
    mime_type: str

    @property
    def file_path(self) -> str:
        return f"{self.kind}s/{self.file_unique_id}_{self.filename}"

    def meta(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }

    def as_document(self) -> JsonDict:
        return {**self.meta(), "file_name": self.filename, "mime_type": self.mime_type}


@dataclass(frozen=True)
class Received:
    """A bot message as the person sees it (``buttons``: rows of (label, data))."""

    message_id: int
    text: str | None
    buttons: list[list[tuple[str, str]]]
    kind: ReceivedKind
    document_name: str | None = None
    document_bytes: bytes | None = None
    keyboard: list[list[str]] = field(default_factory=list)
    raw: JsonDict = field(default_factory=dict, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def describe(self) -> str:
        extra = f" buttons={self.labels}" if self.buttons else ""
        name = f" file={self.document_name!r}" if self.document_name else ""
        return f"{self.kind} #{self.message_id}: {self.text!r}{extra}{name}"


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to one callback query."""

    callback_query_id: str
    update_id: int
    chat_id: int
    text: str | None
    show_alert: bool
    url: str | None


# --------------------------------------------------------------------------- parameters


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad_request(f'field "{name}" must be of type Integer')
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _bad_request(f'field "{name}" must be of type Integer')


def _opt_int(params: Params, name: str) -> int | None:
    value = params.get(name)
    return None if value is None or value == "" else _as_int(value, name)


def _opt_float(params: Params, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad_request(f'field "{name}" must be of type Number') from None


def _opt_str(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _bad_request(f'field "{name}" must be of type String')


def _opt_bool(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def _decode_json_fields(params: Params) -> Params:
    for name in _JSON_FIELDS & params.keys():
        value = params[name]
        if isinstance(value, str) and value.strip()[:1] in {"{", "["}:
            try:
                params[name] = json.loads(value)
            except ValueError:
                raise _bad_request(f"can't parse {name} JSON object") from None
    return params


def _resolve_attachments(params: Params) -> Params:
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = params.get(value.removeprefix("attach://"))
            if isinstance(part, UploadedFile):
                params[name] = part
                params.pop(value.removeprefix("attach://"))
    return params


def _form_value(value: str | bytes | bytearray | web.FileField) -> Any:
    if isinstance(value, web.FileField):
        return UploadedFile(value.filename, value.file.read(), value.content_type)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return value


async def _json_body(request: web.Request) -> Params:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise _bad_request("can't parse JSON request body") from None
    if not isinstance(data, dict):
        raise _bad_request("JSON request body must be an object")
    return data


async def _read_params(request: web.Request) -> Params:
    params: Params = dict(request.query)
    if request.content_type == "application/json":
        params.update(await _json_body(request))
    elif request.content_type in _FORM_TYPES:
        form = await request.post()
        params.update({key: _form_value(value) for key, value in form.items()})
    return _decode_json_fields(_resolve_attachments(params))


async def _read_webhook_reply(response: aiohttp.ClientResponse) -> Params | None:
    """A method call the bot put in its webhook answer (JSON or multipart), if any."""
    params: Params = {}
    if response.content_type == "application/json":
        try:
            data = json.loads(await response.read() or b"null")
        except ValueError:
            return None
        params = data if isinstance(data, dict) else {}
    elif response.content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader(response.headers, response.content)
        while (part := await reader.next()) is not None:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                params[part.name] = await _part_value(part)
    if not isinstance(params.get("method"), str):
        return None
    return _decode_json_fields(_resolve_attachments(params))


async def _part_value(part: aiohttp.BodyPartReader) -> Any:
    content = await part.read(decode=True)
    if part.filename:
        return UploadedFile(part.filename, bytes(content))
    return bytes(content).decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- text & markup


_HTML_TAGS: Final = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_RE: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_MDV2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES: Final = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _strip_html(text: str) -> str:
    """Visible text of an HTML-formatted message; errors like Telegram's parser."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while (start := text.find("<", pos)) >= 0:
        out.append(html.unescape(text[pos:start]))
        match = _TAG_RE.match(text, start)
        if match is None:
            head = re.match(r"/?([^\s<>/]*)", text[start + 1 :])
            name = head.group(1) if head else ""
            offset = _byte_offset(text, start)
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        _apply_html_tag(stack, match, _byte_offset(text, start))
        pos = match.end()
    out.append(html.unescape(text[pos:]))
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _apply_html_tag(stack: list[str], match: re.Match[str], offset: int) -> None:
    closing, name = match.group(1) == "/", match.group(2).lower()
    if name not in _HTML_TAGS:
        raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    if not closing:
        stack.append(name)
    elif not stack:
        raise _entities_error(f"Unexpected end tag at byte offset {offset}")
    elif stack[-1] != name:
        raise _entities_error(
            f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1]}>", found "</{name}>"'
        )
    else:
        stack.pop()


def _find_unescaped(text: str, needle: str, start: int) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text.startswith(needle, index):
            return index
        else:
            index += 1
    return -1


def _unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


class _MarkdownV2:
    """A small MarkdownV2 reader: enough to reject what Telegram rejects most often."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.open: list[tuple[str, int]] = []

    def parse(self) -> str:
        index = 0
        while index < len(self.text):
            index = self._step(index)
        if self.open:
            mark, at = self.open[-1]
            name = _MDV2_NAMES.get(mark, "TextUrl")
            raise _entities_error(f"Can't find end of {name} entity at byte offset {at}")
        return "".join(self.out)

    def _step(self, index: int) -> int:
        char = self.text[index]
        if char == "\\":
            self.out.append(self.text[index + 1 : index + 2])
            return index + 2
        if char == "`":
            return self._code(index)
        if char in "*_~|":
            return self._toggle(index)
        if char == "[":
            self.open.append(("[", _byte_offset(self.text, index)))
            return index + 1
        if char == "]" and self.open and self.open[-1][0] == "[":
            return self._link_end(index)
        if char == ">" and (index == 0 or self.text[index - 1] == "\n"):
            return index + 1
        if char in _MDV2_RESERVED:
            raise _entities_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        self.out.append(char)
        return index + 1

    def _toggle(self, index: int) -> int:
        char = self.text[index]
        mark = char * 2 if char in "_|" and self.text.startswith(char * 2, index) else char
        if mark == "|":
            raise _entities_error("Character '|' is reserved and must be escaped with the preceding '\\'")
        if self.open and self.open[-1][0] == mark:
            self.open.pop()
        else:
            self.open.append((mark, _byte_offset(self.text, index)))
        return index + len(mark)

    def _code(self, index: int) -> int:
        fence = "```" if self.text.startswith("```", index) else "`"
        end = _find_unescaped(self.text, fence, index + len(fence))
        if end < 0:
            name = "Pre" if fence == "```" else "Code"
            offset = _byte_offset(self.text, index)
            raise _entities_error(f"Can't find end of {name} entity at byte offset {offset}")
        body = self.text[index + len(fence) : end]
        if fence == "```" and "\n" in body and " " not in body.split("\n", 1)[0]:
            body = body.split("\n", 1)[1]
        self.out.append(_unescape_md(body))
        return end + len(fence)

    def _link_end(self, index: int) -> int:
        self.open.pop()
        if not self.text.startswith("(", index + 1):
            return index + 1
        end = _find_unescaped(self.text, ")", index + 2)
        if end < 0:
            offset = _byte_offset(self.text, index + 1)
            raise _entities_error(f"Can't find end of a URL at byte offset {offset}")
        return end + 1


def _strip_markdown(text: str) -> str:
    """Legacy ``Markdown``: unclosed ``*``, ``_``, `````, ``[`` are errors."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in {"_", "*", "`", "["}:
            out.append(text[index + 1])
            index += 2
            continue
        if char in "*_`[":
            closer = "]" if char == "[" else char
            end = text.find(closer, index + 1)
            if end < 0:
                offset = _byte_offset(text, index)
                raise _entities_error(f"Can't find end of the entity starting at byte offset {offset}")
            out.append(text[index + 1 : end])
            index = _skip_legacy_url(text, end + 1) if char == "[" else end + 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _skip_legacy_url(text: str, index: int) -> int:
    if not text.startswith("(", index):
        return index
    end = text.find(")", index)
    return len(text) if end < 0 else end + 1


def _render(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _strip_html(text)
    if mode == "markdownv2":
        return _MarkdownV2(text).parse()
    if mode == "markdown":
        return _strip_markdown(text)
    if mode:
        raise _bad_request("unsupported parse_mode")
    return text


def _thread_fields(chat: FakeChat, params: Params) -> JsonDict:
    """``message_thread_id`` of a message sent into a forum topic."""
    thread = params.get("message_thread_id")
    if thread in (None, "") or not isinstance(chat, FakeGroup) or not chat.forum:
        return {}
    thread_id = int(thread)
    if thread_id not in chat.topics:
        raise _bad_request("message thread not found")
    return {"message_thread_id": thread_id, "is_topic_message": True}


def _message_text(params: Params) -> str:
    raw = _opt_str(params, "text")
    if not raw or not raw.strip():
        raise _bad_request("message text is empty")
    text = _render(raw, _opt_str(params, "parse_mode"))
    if not text.strip():
        raise _bad_request("message text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise _bad_request("message is too long")
    return text


def _caption(params: Params) -> str | None:
    raw = _opt_str(params, "caption")
    if not raw:
        return None
    caption = _render(raw, _opt_str(params, "parse_mode"))
    if len(caption) > MAX_CAPTION_CHARS:
        raise _bad_request("message caption is too long")
    return caption


def _check_callback_data(data: Any) -> None:
    size = len(data.encode("utf-8")) if isinstance(data, str) else 0
    if not 1 <= size <= MAX_CALLBACK_BYTES:
        raise _bad_request("BUTTON_DATA_INVALID")


def _inline_button(button: Any) -> JsonDict:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad_request("can't parse inline keyboard button: Text must be a String")
    clean = {key: value for key, value in button.items() if value is not None}
    if not any(action in clean for action in _BUTTON_ACTIONS):
        raise _bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in clean:
        _check_callback_data(clean["callback_data"])
    url = clean.get("url")
    if url is not None and not (isinstance(url, str) and re.match(r"(https?|tg)://\S+$", url)):
        raise _bad_request("BUTTON_URL_INVALID")
    return clean


def _inline_rows(rows: Any) -> list[list[JsonDict]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    result = [[_inline_button(button) for button in row] for row in rows]
    if sum(len(row) for row in result) > MAX_BUTTONS:
        raise _bad_request("reply markup is too long")
    return [row for row in result if row]


def _reply_rows(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        label = button.get("text") if isinstance(button, dict) else button
        if not isinstance(label, str) or not label:
            raise _bad_request("can't parse keyboard button: Text must be a String")


def _normalize_markup(value: Any) -> JsonDict | None:
    """Validated reply markup; ``None`` for no markup or an empty inline keyboard."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = _inline_rows(value["inline_keyboard"])
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in value:
        _reply_rows(value["keyboard"])
        return dict(value)
    if value.get("remove_keyboard") or value.get("force_reply"):
        return dict(value)
    raise _bad_request("can't parse reply keyboard markup JSON object")


def _inline_only(markup: JsonDict | None) -> JsonDict | None:
    if markup is not None and "inline_keyboard" not in markup:
        raise _bad_request("reply markup must be an InlineKeyboardMarkup")
    return markup


def _inline_keyboard(message: JsonDict) -> list[list[JsonDict]]:
    markup = message.get("reply_markup") or {}
    rows: list[list[JsonDict]] = markup.get("inline_keyboard", [])
    return rows


def _button_data(button: JsonDict) -> str:
    for key in ("callback_data", "url"):
        if isinstance(button.get(key), str):
            return str(button[key])
    return ""


def _keyboard_labels(markup: JsonDict | None) -> list[list[str]]:
    if not markup or "keyboard" not in markup:
        return []
    return [
        [str(button["text"]) if isinstance(button, dict) else str(button) for button in row]
        for row in markup["keyboard"]
    ]


def _received(message: JsonDict, kind: ReceivedKind, markup: JsonDict | None, file: StoredFile | None) -> Received:
    return Received(
        message_id=message["message_id"],
        text=message.get("text", message.get("caption")),
        buttons=[[(b["text"], _button_data(b)) for b in row] for row in _inline_keyboard(message)],
        kind=kind,
        document_name=file.filename if file else None,
        document_bytes=file.content if file else None,
        keyboard=_keyboard_labels(markup),
        raw=message,
    )


def _validate_commands(value: Any) -> list[JsonDict]:
    if not isinstance(value, list) or len(value) > MAX_BUTTONS:
        raise _bad_request("can't parse commands JSON object")
    commands: list[JsonDict] = []
    for item in value:
        if not isinstance(item, dict) or not _COMMAND_RE.fullmatch(str(item.get("command", ""))):
            raise _bad_request("BOT_COMMAND_INVALID")
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": item["command"], "description": description})
    return commands


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise _bad_request("can't parse BotCommandScope JSON object")
    language = _opt_str(params, "language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise _bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def _without_reply(message: JsonDict) -> JsonDict:
    """A message as Telegram nests it in ``reply_to_message`` (one level only)."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- flood control


def _capacity(rate: float, window: float) -> int:
    return max(1, math.floor(rate * window + 1e-9))


class _SlidingWindow:
    """Accepts at most ``capacity`` hits per key in any ``window`` seconds."""

    def __init__(self, capacity: int, window: float) -> None:
        self._capacity = capacity
        self._window = window
        self._hits: dict[int, deque[float]] = {}

    def wait_time(self, key: int, now: float) -> float:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) < self._capacity:
            return 0.0
        return hits[len(hits) - self._capacity] + self._window - now

    def record(self, key: int, now: float) -> None:
        self._hits[key].append(now)


class _FloodGate:
    def __init__(self, limits: FloodLimits, clock: Callable[[], float]) -> None:
        self._clock = clock
        window = limits.window_seconds
        self._global = _SlidingWindow(_capacity(limits.global_per_second, window), window)
        self._chat = _SlidingWindow(_capacity(limits.per_chat_per_second, window), window)
        self._group = _SlidingWindow(_capacity(limits.per_group_per_minute, 1.0), 60.0)

    def admit(self, chat_id: int) -> int | None:
        """Record a send and return ``None``, or return the seconds to wait."""
        now = self._clock()
        windows = [(self._global, 0), (self._chat, chat_id)]
        if chat_id < 0:
            windows.append((self._group, chat_id))
        wait = max(window.wait_time(key, now) for window, key in windows)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, key in windows:
            window.record(key, now)
        return None


# --------------------------------------------------------------------------- fault rules


@dataclass
class _Fault:
    method: str
    remaining: int
    chat_id: int | None
    status: int
    description: str
    retry_after: int | None
    html: bool = False


@dataclass
class _Stall:
    method: str
    remaining: int
    chat_id: int | None
    seconds: float
    deliver: bool


def _take_rule(rules: list[Any], method: str, chat_id: int | None) -> Any:
    for rule in rules:
        if rule.method in {method.lower(), "*"} and rule.chat_id in {None, chat_id}:
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


def _chat_of(params: Params) -> int | None:
    try:
        return _opt_int(params, "chat_id")
    except ApiError:
        return None


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _CallbackQuery:
    update_id: int
    chat_id: int
    answered: bool = False


# --------------------------------------------------------------------------- people


class FakeChat:
    """What a private chat and a group share: the bot's messages and ``expect``."""

    def __init__(self, fake: FakeBotApi, chat_id: int) -> None:
        self._fake = fake
        self.chat_id = chat_id
        self.inbox: list[Received] = []
        self.messages: dict[int, JsonDict] = {}
        self.chat_actions: list[str] = []
        self._consumed = 0
        self._last_message_id = 0
        self.patience = 10.0
        """How long ``expect`` waits by default for the bot's next message."""

    def chat_json(self) -> JsonDict:
        raise NotImplementedError

    def describe(self) -> str:
        return f"chat {self.chat_id}"

    def next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def pending(self) -> list[Received]:
        """Bot messages not yet consumed by ``expect``."""
        return self.inbox[self._consumed :]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return [a for a in self._fake.callback_answers if a.chat_id == self.chat_id]

    async def expect(
        self,
        contains: str | None = None,
        *,
        kind: ReceivedKind | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Received:
        """The next unconsumed bot message; it must contain ``contains`` (and be ``kind``), within ``timeout``
        seconds (by default the chat's ``patience``).

        Strict on purpose: earlier messages are not skipped. The message is
        consumed even when the check fails (the AssertionError shows it).
        """
        timeout = self.patience if timeout is None else timeout
        if not await self._fake.wait_until(lambda: len(self.inbox) > self._consumed, timeout):
            last = self.inbox[-1].describe() if self.inbox else "nothing at all"
            raise AssertionError(f"{self.describe()}: no new bot message within {timeout}s (last one: {last})")
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
        """Assert the bot sends nothing (new or unconsumed) to this chat for ``seconds``."""
        if await self._fake.wait_until(lambda: len(self.inbox) > self._consumed, seconds):
            sent = "; ".join(item.describe() for item in self.pending())
            raise AssertionError(f"{self.describe()}: expected silence, the bot sent: {sent}")

    def bot_message(self, message_id: int | None = None) -> JsonDict:
        """A bot message by id, or the most recent one with an inline keyboard."""
        if message_id is not None:
            message = self.messages.get(message_id)
            if message is None or message["from"]["id"] != self._fake.bot_id:
                raise AssertionError(f"{self.describe()}: no bot message #{message_id}")
            return message
        with_keyboard = [
            m for m in self.messages.values() if m["from"]["id"] == self._fake.bot_id and _inline_keyboard(m)
        ]
        if not with_keyboard:
            raise AssertionError(f"{self.describe()}: no bot message with an inline keyboard")
        return max(with_keyboard, key=lambda m: int(m["message_id"]))

    async def _press(self, presser: FakeUser, label: str, message_id: int | None) -> int:
        message = self.bot_message(message_id)
        buttons = [button for row in _inline_keyboard(message) for button in row]
        for button in buttons:
            if button["text"] == label:
                if "callback_data" not in button:
                    raise AssertionError(f"button {label!r} is not a callback button: {button}")
                return await self._fake.enqueue_callback(self, presser, message, button["callback_data"])
        available = [button["text"] for button in buttons]
        raise AssertionError(
            f"{self.describe()}: no button {label!r} in message #{message['message_id']}; available: {available}"
        )

    async def _press_data(self, presser: FakeUser, data: str, message_id: int | None) -> int:
        if message_id is None:
            mine = [m for m in self.messages.values() if m["from"]["id"] == self._fake.bot_id]
            if not mine:
                raise AssertionError(f"{self.describe()}: the bot has sent nothing to press on")
            message_id = max(int(m["message_id"]) for m in mine)
        message = self.bot_message(message_id)
        return await self._fake.enqueue_callback(self, presser, message, data)


class FakeUser(FakeChat):
    """A scripted person; their private chat with the bot has ``chat_id == user_id``."""

    def __init__(
        self,
        fake: FakeBotApi,
        user_id: int,
        first_name: str,
        language_code: str | None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> None:
        super().__init__(fake, user_id)
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = started

    def describe(self) -> str:
        return f"chat {self.chat_id} ({self.first_name})"

    @property
    def app_language(self) -> str:
        """The language the person's Telegram app reports (``language_code``), "" when it reports none."""
        return (self.language_code or "").split("-")[0]

    def user_json(self) -> JsonDict:
        user: JsonDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user

    def chat_json(self) -> JsonDict:
        chat: JsonDict = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        chat.update({key: value for key, value in optional.items() if value is not None})
        return chat

    async def send(self, text: str, *, reply_to_message_id: int | None = None) -> int:
        """Send a text message to the bot; returns the update_id."""
        return await self._fake.enqueue_message(self, self, _text_fields(text), reply_to_message_id)

    async def send_fields(self, fields: Mapping[str, Any]) -> int:
        """Send a message with arbitrary content fields (``video``, ``audio``...)."""
        return await self._fake.enqueue_message(self, self, dict(fields), None)

    async def send_sticker(self, emoji: str = "👍") -> int:
        sticker = self._fake.new_file("sticker", "sticker.webp", b"RIFF-sticker", "image/webp")
        fields = {
            "sticker": {
                **sticker.meta(),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
            }
        }
        return await self.send_fields(fields)

    async def send_voice(self, duration: int = 3, content: bytes = b"OggS-voice") -> int:
        voice = self._fake.new_file("voice", "voice.ogg", content, "audio/ogg")
        fields = {"voice": {**voice.meta(), "duration": duration, "mime_type": "audio/ogg"}}
        return await self.send_fields(fields)

    async def send_photo(self, content: bytes = PNG_BYTES, caption: str | None = None) -> int:
        small = self._fake.new_file("photo", "photo_s.jpg", content, "image/jpeg")
        large = self._fake.new_file("photo", "photo.jpg", content, "image/jpeg")
        sizes = [{**small.meta(), "width": 90, "height": 68}, {**large.meta(), "width": 1280, "height": 960}]
        return await self.send_fields(_with_caption({"photo": sizes}, caption))

    async def send_location(self, latitude: float, longitude: float) -> int:
        return await self.send_fields({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_document(
        self,
        file_name: str = "propuesta.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> int:
        document = self._fake.new_file("document", file_name, content, mime_type)
        return await self.send_fields(_with_caption({"document": document.as_document()}, caption))

    async def send_contact(self, phone_number: str, first_name: str | None = None) -> int:
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.user_id,
        }
        return await self.send_fields({"contact": contact})

    async def press(self, label: str, *, message_id: int | None = None) -> int:
        """Press the inline button labelled ``label`` in the latest keyboard; returns update_id."""
        return await self._press(self, label, message_id)

    async def press_data(self, data: str, message_id: int | None = None) -> int:
        """Send arbitrary callback data, as a forged or stale button would."""
        return await self._press_data(self, data, message_id)


class FakeGroup(FakeChat):
    """A group chat (e.g. moderators); people speak in it with ``send(from_user, ...)``."""

    def __init__(self, fake: FakeBotApi, chat_id: int, title: str, chat_type: str, forum: bool = False) -> None:
        super().__init__(fake, chat_id)
        self.title = title
        self.chat_type = chat_type
        self.forum = forum
        self.topics: dict[int, str] = {}  # message_thread_id -> name

    def describe(self) -> str:
        return f"group {self.chat_id} ({self.title})"

    def chat_json(self) -> JsonDict:
        chat: JsonDict = {"id": self.chat_id, "type": self.chat_type, "title": self.title}
        if self.forum:
            chat["is_forum"] = True
        return chat

    async def send(
        self, from_user: FakeUser, text: str, reply_to_message_id: int | None = None, *, thread_id: int | None = None
    ) -> int:
        """Say something in the group; with ``thread_id``, inside that forum topic (as a reply to the
        topic's first message unless it replies to another one, as Telegram does)."""
        fields = _text_fields(text)
        if thread_id is not None:
            fields = {**fields, "message_thread_id": thread_id, "is_topic_message": True}
            reply_to_message_id = reply_to_message_id or thread_id
        return await self._fake.enqueue_message(self, from_user, fields, reply_to_message_id)

    def open_topic(self, name: str) -> int:
        """A forum topic: its id is the id of the service message that opens it."""
        thread_id = self.next_message_id()
        self.topics[thread_id] = name
        self.messages[thread_id] = {
            "message_id": thread_id,
            "chat": self.chat_json(),
            "date": _now(),
            "message_thread_id": thread_id,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        return thread_id

    async def press(self, from_user: FakeUser, label: str, *, message_id: int | None = None) -> int:
        return await self._press(from_user, label, message_id)

    async def press_data(self, from_user: FakeUser, data: str, message_id: int | None = None) -> int:
        return await self._press_data(from_user, data, message_id)


def _text_fields(text: str) -> JsonDict:
    fields: JsonDict = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
    return fields


def _with_caption(fields: JsonDict, caption: str | None) -> JsonDict:
    return {**fields, "caption": caption} if caption else fields


# --------------------------------------------------------------------------- the server


class FakeBotApi:
    """The fake Telegram Bot API server. See the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        limits: FloodLimits | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        first_update_id: int = 1,
        clock: Callable[[], float] = time.monotonic,
        record_requests: bool = True,
        webhook_timeout: float = 10.0,
        webhook_backoff: tuple[float, float] = (0.05, 1.0),
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.limits = limits or FloodLimits()
        self.stats = FakeStats()
        self.requests: list[RecordedRequest] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.files: dict[str, StoredFile] = {}
        self.base_url = ""
        #: Where webhook updates really go (default: the URL the bot registered).
        self.webhook_target: str | None = None
        self._host, self._port = host, port
        self._record = record_requests
        self._webhook_timeout = webhook_timeout
        self._backoff = webhook_backoff
        self._flood = _FloodGate(self.limits, clock)
        self._changed = asyncio.Condition()
        self._chats: dict[int, FakeChat] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._stalls: list[_Stall] = []
        self._pending: list[JsonDict] = []
        self.history: dict[int, JsonDict] = {}
        self._next_update_id = first_update_id
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._queries: dict[str, _CallbackQuery] = {}
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods = self._method_table()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False
        self._file_counter = 0

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeBotApi:
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
        """Listen on ``host:port`` (port 0: a free one) and set ``base_url``."""
        if self._runner is not None:
            return
        self._stopping = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._runner = runner
        self.base_url = f"http://{self._host}:{runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Answer pending long polls with no updates, stop webhooks, close the port."""
        if self._runner is None:
            return
        self._stopping = True
        await self._notify()
        await self._cancel_webhook_task()
        await self._runner.cleanup()
        self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ----------------------------------------------------------------- people & state

    def user(
        self,
        user_id: int,
        first_name: str = "Ana",
        language_code: str | None = "es",
        *,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A person with a private chat (``chat_id == user_id``); the same object on repeat.

        With ``started=False`` the bot cannot write first (403) until they send something.
        """
        known = self._chats.get(user_id)
        if isinstance(known, FakeUser):
            return known
        person = FakeUser(
            self, user_id, first_name, language_code, last_name=last_name, username=username, started=started
        )
        self._chats[user_id] = person
        return person

    def group(self, chat_id: int, title: str, *, chat_type: str = "supergroup", forum: bool = False) -> FakeGroup:
        known = self._chats.get(chat_id)
        if isinstance(known, FakeGroup):
            return known
        group = FakeGroup(self, chat_id, title, chat_type, forum)
        self._chats[chat_id] = group
        return group

    def chat(self, chat_id: int) -> FakeChat:
        return self._chats[chat_id]

    def bot_user(self) -> JsonDict:
        return {"id": self.bot_id, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}

    def block(self, chat_id: int) -> None:
        """Every call about ``chat_id`` answers 403 until ``unblock``."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
        html: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any) answer this error (an HTML page with ``html``)."""
        if status == 429:
            retry_after = retry_after or 1
        default = f"Too Many Requests: retry after {retry_after}" if status == 429 else None
        text = description or default or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(_Fault(method.lower(), times, chat_id, status, text, retry_after, html))

    def stall_next(
        self,
        method: str,
        seconds: float,
        times: int = 1,
        *,
        deliver: bool = True,
        chat_id: int | None = None,
    ) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before answering.

        With ``deliver=False`` the held call is then answered 502 and not carried out.
        """
        self._stalls.append(_Stall(method.lower(), times, chat_id, seconds, deliver))

    def add_method(self, name: str, result: Any) -> None:
        """Answer ``name`` with ``result``, or with ``result(params)`` if it is callable."""

        async def handler(params: Params) -> Any:
            value = result(params) if callable(result) else result
            return await value if inspect.isawaitable(value) else value

        self._methods[name.lower()] = (name, handler)

    def new_file(self, kind: str, filename: str, content: bytes, mime_type: str) -> StoredFile:
        """Register a file (as if uploaded) and return it with fresh ids."""
        stored = self._make_file(kind, filename, content, mime_type)
        self.files[stored.file_id] = stored
        return stored

    def commands(self, scope: Mapping[str, Any] | None = None, language_code: str = "") -> list[JsonDict]:
        """The command menu the bot set for ``scope`` and language."""
        key = json.dumps(dict(scope or {"type": "default"}), sort_keys=True)
        return list(self._commands.get((key, language_code), []))

    def calls(self, method: str) -> list[Params]:
        """Parameters of every recorded call of ``method``."""
        return [params for name, params in self.requests if name.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot."""
        return list(self._pending)

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""

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

    async def wait_for_request(
        self,
        method: str,
        *,
        where: Callable[[Params], bool] | None = None,
        since: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The first call of ``method`` at index >= ``since`` in ``requests`` (matching ``where``)."""

        def find() -> RecordedRequest | None:
            for request in self.requests[since:]:
                if request.method.lower() == method.lower() and (where is None or where(request.params)):
                    return request
            return None

        if not await self.wait_until(lambda: find() is not None, timeout):
            seen = [request.method for request in self.requests[since:]]
            raise AssertionError(f"no {method} call within {timeout}s; calls seen: {seen}")
        found = find()
        assert found is not None
        return found

    async def wait_all_confirmed(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every update (none pending)."""
        if not await self.wait_until(lambda: not self._pending, timeout):
            ids = [update["update_id"] for update in self._pending]
            raise AssertionError(f"updates still unconfirmed after {timeout}s: {ids}")

    async def wait_callback_answer(self, update_id: int, timeout: float = 10.0) -> CallbackAnswer:  # noqa: ASYNC109
        """The bot's answerCallbackQuery for the press that made ``update_id``."""

        def find() -> CallbackAnswer | None:
            return next((a for a in self.callback_answers if a.update_id == update_id), None)

        if not await self.wait_until(lambda: find() is not None, timeout):
            raise AssertionError(f"callback query of update {update_id} not answered in {timeout}s")
        answer = find()
        assert answer is not None
        return answer

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- updates

    async def enqueue_raw(self, update: Mapping[str, Any]) -> int:
        """Queue any update (``update_id`` is assigned if missing); returns its update_id."""
        body = dict(update)
        if "update_id" not in body:
            body["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(body["update_id"]) + 1)
        self.stats.updates_enqueued += 1
        self.history[int(body["update_id"])] = body
        if self._allows(body):
            self._pending.append(body)
            self._pending.sort(key=lambda item: int(item["update_id"]))
        await self._notify()
        return int(body["update_id"])

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when the bot crashed before confirming it."""
        body = self.history[update_id]
        if all(int(u["update_id"]) != update_id for u in self._pending):
            self._pending.append(body)
            self._pending.sort(key=lambda item: int(item["update_id"]))
        await self._notify()

    async def enqueue_message(self, chat: FakeChat, sender: FakeUser, fields: JsonDict, reply_to: int | None) -> int:
        """Queue a ``message`` update from ``sender`` in ``chat``."""
        message: JsonDict = {
            "message_id": chat.next_message_id(),
            "from": sender.user_json(),
            "chat": chat.chat_json(),
            "date": _now(),
            **fields,
        }
        if reply_to is not None:
            if reply_to not in chat.messages:
                raise AssertionError(f"{chat.describe()}: no message #{reply_to} to reply to")
            message["reply_to_message"] = _without_reply(chat.messages[reply_to])
        chat.messages[message["message_id"]] = message
        if isinstance(chat, FakeUser):
            chat.started = True
        return await self.enqueue_raw({"message": message})

    async def enqueue_callback(self, chat: FakeChat, presser: FakeUser, message: JsonDict, data: str) -> int:
        """Queue a ``callback_query`` update for ``message``."""
        update_id = self._next_update_id
        query_id = f"{self.bot_id}{update_id:012d}"
        self._queries[query_id] = _CallbackQuery(update_id, chat.chat_id)
        query = {
            "id": query_id,
            "from": presser.user_json(),
            "message": message,
            "chat_instance": str(abs(chat.chat_id) * 7919 + self.bot_id),
            "data": data,
        }
        return await self.enqueue_raw({"update_id": update_id, "callback_query": query})

    def _allows(self, update: Mapping[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_BY_DEFAULT

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]

    # ----------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        try:
            params = await _read_params(request)
        except ApiError as error:
            return self._error_response(error)
        status, body = await self._process(request.match_info["method"], params)
        if body.get(HTML_PAGE):
            page = f"<html><head><title>{status}</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
            return web.Response(status=status, text=page, content_type="text/html")
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["file_path"]
        found = next((f for f in self.files.values() if f.file_path == path), None)
        if request.match_info["token"] != self.token or found is None:
            return self._error_response(ApiError(404, "Not Found"))
        return web.Response(body=found.content, content_type=found.mime_type)

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return self._error_response(ApiError(404, "Not Found"))

    def _error_response(self, error: ApiError) -> web.Response:
        self._count_error(error)
        return web.json_response(error.envelope(), status=error.status)

    def _count_error(self, error: ApiError) -> None:
        if error.status == 429:
            self.stats.responses_429 += 1
        if 400 <= error.status < 500:
            self.stats.responses_4xx += 1
        elif error.status >= 500:
            self.stats.responses_5xx += 1

    async def _process(self, method: str, params: Params) -> tuple[int, JsonDict]:
        """Run one API call and return (HTTP status, Telegram envelope)."""
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        self.stats.requests += 1
        if self._record:
            self.requests.append(RecordedRequest(name, params))
        await self._notify()
        try:
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            result = await self._run(name, entry[1], params)
        except ApiError as error:
            self._count_error(error)
            return error.status, ({HTML_PAGE: True} if error.html else error.envelope())
        return 200, {"ok": True, "result": result}

    async def _run(self, name: str, handler: Handler, params: Params) -> Any:
        chat_id = _chat_of(params)
        stall: _Stall | None = _take_rule(self._stalls, name, chat_id)
        if stall is not None:
            self.stats.stalled_requests += 1
            await self.wait_until(lambda: self._stopping, stall.seconds)
        fault: _Fault | None = _take_rule(self._faults, name, chat_id)
        if fault is not None:
            self.stats.injected_faults += 1
            raise ApiError(fault.status, fault.description, retry_after=fault.retry_after, html=fault.html)
        if stall is not None and not stall.deliver:
            raise ApiError(502, "Bad Gateway")
        return await handler(params)

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getChat": self._get_chat,
            "createForumTopic": self._create_forum_topic,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "close": self._close,
            "logOut": self._close,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- common checks

    def _target_chat(self, params: Params) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat = self._chats.get(_as_int(raw, "chat_id"))
        except ApiError:
            chat = None
        if chat is None:
            raise _bad_request("chat not found")
        if chat.chat_id in self._blocked:
            raise ApiError(403, KICKED_FROM_GROUP if isinstance(chat, FakeGroup) else BLOCKED_BY_USER)
        if isinstance(chat, FakeUser) and not chat.started:
            raise ApiError(403, CANT_INITIATE)
        return chat

    def _admit(self, chat: FakeChat) -> None:
        retry_after = self._flood.admit(chat.chat_id)
        if retry_after is not None:
            self.stats.flood_429 += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def _reply_target(self, chat: FakeChat, params: Params) -> JsonDict | None:
        reply = params.get("reply_parameters")
        message_id = _opt_int(params, "reply_to_message_id")
        allow_missing = _opt_bool(params, "allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = _opt_int(reply, "message_id")
            allow_missing = _opt_bool(reply, "allow_sending_without_reply")
        if message_id is None:
            return None
        if message_id in chat.messages:
            return _without_reply(chat.messages[message_id])
        if allow_missing:
            return None
        raise _bad_request("message to be replied not found")

    async def _send(
        self,
        chat: FakeChat,
        content: JsonDict,
        markup: JsonDict | None,
        reply: JsonDict | None,
        kind: ReceivedKind,
        file: StoredFile | None = None,
    ) -> JsonDict:
        """Store a bot message that passed every check and put it in the chat's inbox."""
        message: JsonDict = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user(),
            "chat": chat.chat_json(),
            "date": _now(),
            **content,
        }
        if reply is not None:
            message["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        chat.inbox.append(_received(message, kind, markup, file))
        self.stats.sent_messages += 1
        await self._notify()
        return message

    # ----------------------------------------------------------------- methods: bot

    async def _get_chat(self, params: Params) -> JsonDict:
        """A ChatFullInfo: the chat plus the fields Telegram always sends with it."""
        gifts = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        return {
            **self._target_chat(params).chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _create_forum_topic(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        if not isinstance(chat, FakeGroup) or not chat.forum:
            raise _bad_request("the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise _bad_request("TOPIC_NAME_INVALID")
        self._admit(chat)
        return {"message_thread_id": chat.open_topic(name), "name": name, "icon_color": 7322096}

    async def _get_me(self, params: Params) -> JsonDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _close(self, params: Params) -> bool:
        return True

    async def _set_my_commands(self, params: Params) -> bool:
        commands = _validate_commands(params.get("commands"))
        self._commands[_scope_key(params)] = commands
        return True

    async def _get_my_commands(self, params: Params) -> list[JsonDict]:
        return list(self._commands.get(_scope_key(params), []))

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(_scope_key(params), None)
        return True

    # ----------------------------------------------------------------- methods: updates

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        if self._webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = _opt_int(params, "offset")
        limit = min(100, max(1, _opt_int(params, "limit") or 100))
        timeout = max(0.0, _opt_float(params, "timeout") or 0.0)
        self._set_allowed_updates(params.get("allowed_updates"))
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()
        if timeout > 0 and not self._pending:
            await self.wait_until(lambda: self._poll_should_return(generation), timeout)
        return self._poll_result(generation, limit)

    def _set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None or allowed == "":
            return
        if not isinstance(allowed, list):
            raise _bad_request("can't parse allowed_updates JSON object")
        self._allowed_updates = [str(kind) for kind in allowed]
        self._pending = [update for update in self._pending if self._allows(update)]

    def _poll_should_return(self, generation: int) -> bool:
        return bool(self._pending) or self._stopping or self._webhook is not None or generation != self._poll_generation

    def _poll_result(self, generation: int, limit: int) -> list[JsonDict]:
        if self._stopping:
            return []
        if generation != self._poll_generation:
            raise ApiError(409, CONFLICT_POLLING)
        if self._webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        batch = self._pending[:limit]
        self.stats.updates_returned += len(batch)
        return batch

    # ----------------------------------------------------------------- methods: webhook

    async def _set_webhook(self, params: Params) -> bool:
        url = _opt_str(params, "url") or ""
        secret = _opt_str(params, "secret_token") or None
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise _bad_request("secret token contains unallowed characters")
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise _bad_request("bad webhook: HTTPS url must be provided for webhook")
        self._set_allowed_updates(params.get("allowed_updates"))
        if _opt_bool(params, "drop_pending_updates"):
            self._pending.clear()
        await self._replace_webhook(_Webhook(url, secret) if url else None)
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        if _opt_bool(params, "drop_pending_updates"):
            self._pending.clear()
        await self._replace_webhook(None)
        return True

    async def _get_webhook_info(self, params: Params) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        hook = self._webhook
        if hook is not None:
            info.update(max_connections=40, ip_address="127.0.0.1")
            if hook.last_error_date is not None:
                info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    async def _replace_webhook(self, hook: _Webhook | None) -> None:
        await self._cancel_webhook_task()
        self._webhook = hook
        if hook is not None:
            self._webhook_task = asyncio.create_task(self._webhook_loop(hook))
        await self._notify()

    async def _cancel_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is None or task is asyncio.current_task():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _webhook_loop(self, hook: _Webhook) -> None:
        """Deliver pending updates to the webhook, in order, one at a time, retrying."""
        delay = self._backoff[0]
        while self._webhook is hook and not self._stopping:
            await self.wait_until(lambda: bool(self._pending) or self._webhook is not hook or self._stopping, None)
            if self._webhook is not hook or self._stopping:
                return
            update = self._pending[0]
            if await self._post_update(hook, update):
                self._pending = [u for u in self._pending if u["update_id"] != update["update_id"]]
                delay = self._backoff[0]
                await self._notify()
            else:
                await self._notify()
                await self.wait_until(lambda: self._webhook is not hook or self._stopping, delay)
                delay = min(delay * 2, self._backoff[1])

    async def _post_update(self, hook: _Webhook, update: JsonDict) -> bool:
        self.stats.webhook_attempts += 1
        target = self.webhook_target or hook.url
        if not _is_loopback(target) or self._http is None:
            return self._webhook_failed(hook, "Connection refused (the fake only calls loopback hosts)")
        headers = {WEBHOOK_SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self._webhook_timeout)
        try:
            async with self._http.post(target, json=update, headers=headers, timeout=timeout) as response:
                if not 200 <= response.status < 300:
                    return self._webhook_failed(
                        hook, f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
                reply = await _read_webhook_reply(response)
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._webhook_failed(hook, f"Connection failed: {type(error).__name__}: {error}")
        self.stats.webhook_deliveries += 1
        if reply is not None:
            await self._process(str(reply.pop("method")), reply)
        return True

    def _webhook_failed(self, hook: _Webhook, message: str) -> bool:
        self.stats.webhook_failures += 1
        hook.last_error_date = _now()
        hook.last_error_message = message
        return False

    # ----------------------------------------------------------------- methods: messages

    async def _send_message(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        text = _message_text(params)
        markup = _normalize_markup(params.get("reply_markup"))
        reply = self._reply_target(chat, params)
        self._admit(chat)
        return await self._send(chat, {"text": text, **_thread_fields(chat, params)}, markup, reply, "message")

    async def _send_document(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._input_file(params, "document")
        return await self._send_file(chat, params, stored, {"document": stored.as_document()}, "document")

    async def _send_photo(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._input_file(params, "photo")
        sizes = [
            {**stored.meta(), "width": 90, "height": 68},
            {**stored.meta(), "width": 1280, "height": 960},
        ]
        return await self._send_file(chat, params, stored, {"photo": sizes}, "photo")

    async def _send_file(
        self,
        chat: FakeChat,
        params: Params,
        stored: StoredFile,
        content: JsonDict,
        kind: ReceivedKind,
    ) -> JsonDict:
        caption = _caption(params)
        markup = _normalize_markup(params.get("reply_markup"))
        reply = self._reply_target(chat, params)
        self._admit(chat)
        self.files[stored.file_id] = stored
        return await self._send(chat, _with_caption(content, caption), markup, reply, kind, stored)

    def _input_file(self, params: Params, name: str) -> StoredFile:
        value = params.get(name)
        if isinstance(value, UploadedFile):
            return self._uploaded(name, value)
        if isinstance(value, str) and value in self.files:
            known = self.files[value]
            if (known.kind == "photo") != (name == "photo"):
                raise _bad_request("type of file mismatch")
            return known
        if isinstance(value, str) and re.match(r"https?://", value):
            filename = urlsplit(value).path.rsplit("/", 1)[-1] or "file"
            return self._make_file(name, filename, b"", "application/octet-stream")
        if value is None or value == "":
            raise _bad_request(f"there is no {name} in the request")
        raise _bad_request("wrong file identifier/HTTP URL specified")

    def _uploaded(self, name: str, upload: UploadedFile) -> StoredFile:
        if not upload.content:
            raise _bad_request("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if name == "photo" and not upload.content.startswith(_IMAGE_MAGIC):
            raise _bad_request("IMAGE_PROCESS_FAILED")
        return self._make_file(name, upload.filename, upload.content, upload.content_type)

    def _make_file(self, kind: str, filename: str, content: bytes, mime_type: str) -> StoredFile:
        self._file_counter += 1
        number = self._file_counter
        return StoredFile(
            f"{kind.upper()}-FAKE-{self.bot_id}-{number:06d}",
            f"AQAD{number:06d}",
            kind,
            filename,
            content,
            mime_type,
        )

    async def _get_file(self, params: Params) -> JsonDict:
        stored = self.files.get(_opt_str(params, "file_id") or "")
        if stored is None:
            raise _bad_request("invalid file_id")
        return {**stored.meta(), "file_path": stored.file_path}

    async def _edit_message_text(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        old = self._editable(chat, params)
        text = _message_text(params)
        markup = _inline_only(_normalize_markup(params.get("reply_markup")))
        if "text" not in old:
            raise _bad_request("there is no text in the message to edit")
        return await self._edit(chat, old, {"text": text}, markup)

    async def _edit_message_reply_markup(self, params: Params) -> JsonDict:
        chat = self._target_chat(params)
        old = self._editable(chat, params)
        markup = _inline_only(_normalize_markup(params.get("reply_markup")))
        return await self._edit(chat, old, {}, markup)

    def _editable(self, chat: FakeChat, params: Params) -> JsonDict:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be edited")
        return message

    async def _edit(self, chat: FakeChat, old: JsonDict, changes: JsonDict, markup: JsonDict | None) -> JsonDict:
        unchanged = all(old.get(key) == value for key, value in changes.items())
        if unchanged and old.get("reply_markup") == markup:
            raise _bad_request(NOT_MODIFIED)
        self._admit(chat)
        new = {key: value for key, value in old.items() if key != "reply_markup"}
        new.update(changes, edit_date=_now())
        if markup is not None:
            new["reply_markup"] = markup
        chat.messages[new["message_id"]] = new
        chat.inbox.append(_received(new, "edit", None, None))
        self.stats.edited_messages += 1
        await self._notify()
        return new

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = _opt_str(params, "callback_query_id") or ""
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise _bad_request(QUERY_INVALID)
        query.answered = True
        answer = CallbackAnswer(
            query_id,
            query.update_id,
            query.chat_id,
            _opt_str(params, "text"),
            _opt_bool(params, "show_alert"),
            _opt_str(params, "url"),
        )
        self.callback_answers.append(answer)
        self.stats.callback_answers += 1
        await self._notify()
        return True

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self._target_chat(params)
        action = _opt_str(params, "action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        chat.chat_actions.append(action)
        self.stats.chat_actions += 1
        return True
