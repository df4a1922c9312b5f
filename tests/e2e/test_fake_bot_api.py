"""Tests of the fake Telegram Bot API server itself (plain HTTP, aiogram and PTB clients)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from tests.e2e.fake_bot_api import (
    BLOCKED_BY_USER,
    CONFLICT_POLLING,
    CONFLICT_WEBHOOK,
    PNG_BYTES,
    WEBHOOK_SECRET_HEADER,
    FakeBotApi,
    FloodLimits,
)

TOKEN = "123456:TEST-TOKEN"
Json = dict[str, Any]
KEYBOARD: Json = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]]}


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def call(
    http: aiohttp.ClientSession,
    fake: FakeBotApi,
    method: str,
    params: Json | None = None,
    *,
    how: str = "json",
    token: str = TOKEN,
) -> tuple[int, Json]:
    """One API call the way a client library would make it: json, form, multipart or query."""
    url = f"{fake.base_url}/bot{token}/{method}"
    fields = {key: _as_text(value) for key, value in (params or {}).items()}
    if how == "json":
        request = http.post(url, json=params or {})
    elif how == "query":
        request = http.get(url, params=fields)
    else:
        form = aiohttp.FormData(default_to_multipart=how == "multipart")
        for key, value in fields.items():
            form.add_field(key, value)
        request = http.post(url, data=form)
    async with request as response:
        body: Json = await response.json()
        return response.status, body


async def send(
    http: aiohttp.ClientSession, fake: FakeBotApi, chat_id: int, text: str, **extra: Any
) -> tuple[int, Json]:
    return await call(http, fake, "sendMessage", {"chat_id": chat_id, "text": text, **extra})


def error_of(body: Json) -> str:
    assert body["ok"] is False, body
    description: str = body["description"]
    return description


@asynccontextmanager
async def serve(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> AsyncIterator[str]:
    """A local HTTP server standing in for the bot's webhook endpoint."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- protocol


async def test_get_me_over_get_and_post(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    for how in ("query", "json"):
        status, body = await call(http, fake, "getMe", how=how)
        assert status == 200
        assert body["ok"] is True
        me = body["result"]
        assert me["id"] == 123456
        assert me["is_bot"] is True
        assert me["username"] == "cocrea_test_bot"
        assert me["can_join_groups"] is True


async def test_unknown_token_method_and_path(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, fake, "getMe", token="999:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(http, fake, "sendTelepathy")
    assert status == 404
    assert error_of(body) == "Not Found: method not found"
    async with http.get(f"{fake.base_url}/nothing/here") as response:
        assert response.status == 404
    assert fake.stats.responses_4xx == 3


@pytest.mark.parametrize("how", ["json", "form", "multipart", "query"])
async def test_every_parameter_encoding_is_understood(fake: FakeBotApi, http: aiohttp.ClientSession, how: str) -> None:
    ana = fake.user(1001)
    params = {"chat_id": ana.chat_id, "text": "¿Confirmas?", "reply_markup": KEYBOARD}
    status, body = await call(http, fake, "sendMessage", params, how=how)
    assert status == 200, body
    message = body["result"]
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Ana"}
    assert message["from"]["username"] == "cocrea_test_bot"
    assert isinstance(message["date"], int)
    assert message["reply_markup"] == KEYBOARD
    received = await ana.expect("¿Confirmas?")
    assert received.buttons == [[("Sí", "yes"), ("No", "no")]]
    assert fake.calls("sendMessage")[0]["reply_markup"] == KEYBOARD


async def test_method_names_are_case_insensitive(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    status, _ = await call(http, fake, "getme")
    assert status == 200
    assert fake.requests[0].method == "getMe"


async def test_message_ids_increase_per_chat(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana, bea = fake.user(1001), fake.user(1002, "Bea")
    await ana.send("hola")
    ids = [(await send(http, fake, ana.chat_id, f"m{n}"))[1]["result"]["message_id"] for n in range(2)]
    other = (await send(http, fake, bea.chat_id, "hola Bea"))[1]["result"]["message_id"]
    assert ids == [2, 3]
    assert other == 1


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "hola"}, "Bad Request: chat_id is empty"),
        ({"chat_id": 1001}, "Bad Request: message text is empty"),
        ({"chat_id": 1001, "text": "   "}, "Bad Request: message text is empty"),
        ({"chat_id": 1001, "text": "x" * 4097}, "Bad Request: message is too long"),
        ({"chat_id": 4242, "text": "hola"}, "Bad Request: chat not found"),
        ({"chat_id": "@nadie", "text": "hola"}, "Bad Request: chat not found"),
        (
            {
                "chat_id": 1001,
                "text": "hola",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "ñ" * 33}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {
                "chat_id": 1001,
                "text": "hola",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"chat_id": 1001, "text": "hola", "reply_markup": {"inline_keyboard": [[{"text": "A"}]]}},
            "Bad Request: text buttons are unallowed in the inline keyboard",
        ),
        (
            {
                "chat_id": 1001,
                "text": "hola",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "url": "cocrea.example"}]]},
            },
            "Bad Request: BUTTON_URL_INVALID",
        ),
        (
            {"chat_id": 1001, "text": "hola", "reply_to_message_id": 99},
            "Bad Request: message to be replied not found",
        ),
        ({"chat_id": 1001, "text": "hola", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"),
    ],
)
async def test_send_message_is_validated_like_telegram(
    fake: FakeBotApi, http: aiohttp.ClientSession, params: Json, description: str
) -> None:
    ana = fake.user(1001)
    status, body = await call(http, fake, "sendMessage", params, how="form")
    assert status == 400
    assert error_of(body) == description
    assert ana.inbox == []
    assert fake.stats.sent_messages == 0


async def test_limits_are_inclusive(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    data = "ñ" * 32  # 64 bytes
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": data}]]}
    status, _ = await send(http, fake, ana.chat_id, "x" * 4096, reply_markup=markup)
    assert status == 200
    assert (await ana.expect()).buttons == [[("A", data)]]


@pytest.mark.parametrize(
    ("text", "mode", "visible"),
    [
        ("<b>Hola</b> &lt;3 <a href='https://x.org'>enlace</a>", "HTML", "Hola <3 enlace"),
        (
            "*Hola* \\_mundo\\_\\. [enlace](https://x.org/a\\)b) `a.b`",
            "MarkdownV2",
            "Hola _mundo_. enlace a.b",
        ),
        ("*Hola* _mundo_ [enlace](https://x.org)", "Markdown", "Hola mundo enlace"),
    ],
)
async def test_formatted_text_is_recorded_as_seen(
    fake: FakeBotApi, http: aiohttp.ClientSession, text: str, mode: str, visible: str
) -> None:
    ana = fake.user(1001)
    status, body = await send(http, fake, ana.chat_id, text, parse_mode=mode)
    assert status == 200, body
    assert (await ana.expect()).text == visible


@pytest.mark.parametrize(
    ("text", "mode", "fragment"),
    [
        ("Hola<br>mundo", "HTML", 'Unsupported start tag "br"'),
        ("2 < 3", "HTML", "Unsupported start tag"),
        ("<b>Hola", "HTML", "Can't find end tag"),
        ("<b>Hola</i>", "HTML", "Unmatched end tag"),
        ("Propuesta n.º 5.", "MarkdownV2", "Character '.' is reserved"),
        ("*Hola", "MarkdownV2", "Can't find end of Bold entity"),
        ("mi_correo", "Markdown", "Can't find end of the entity"),
    ],
)
async def test_bad_formatting_is_rejected(
    fake: FakeBotApi, http: aiohttp.ClientSession, text: str, mode: str, fragment: str
) -> None:
    ana = fake.user(1001)
    status, body = await send(http, fake, ana.chat_id, text, parse_mode=mode)
    assert status == 400
    assert error_of(body).startswith("Bad Request: can't parse entities: ")
    assert fragment in error_of(body)
    assert ana.inbox == []


# --------------------------------------------------------------------------- getUpdates


async def test_updates_stay_until_confirmed_by_offset(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    first = await ana.send("/start")
    second = await ana.send("hola")
    _, body = await call(http, fake, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [first, second]
    message = body["result"][0]["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"]["language_code"] == "es"
    _, again = await call(http, fake, "getUpdates")  # a crash before confirming: redelivered
    assert again["result"] == body["result"]
    _, rest = await call(http, fake, "getUpdates", {"offset": first + 1})
    assert [u["update_id"] for u in rest["result"]] == [second]
    _, rest = await call(http, fake, "getUpdates", {"offset": first})  # confirmed ones are gone
    assert [u["update_id"] for u in rest["result"]] == [second]
    _, empty = await call(http, fake, "getUpdates", {"offset": second + 1})
    assert empty["result"] == []
    assert fake.pending_updates == []


async def test_limit_negative_offset_and_allowed_updates(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    ids = [await ana.send(f"m{n}") for n in range(4)]
    _, body = await call(http, fake, "getUpdates", {"limit": 2}, how="form")
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    _, body = await call(http, fake, "getUpdates", {"offset": -1})
    assert [u["update_id"] for u in body["result"]] == ids[3:]
    await fake.enqueue_raw({"message_reaction": {"chat": ana.chat_json()}})
    _, body = await call(http, fake, "getUpdates", {"allowed_updates": ["callback_query"]}, how="form")
    assert body["result"] == []
    assert fake.pending_updates == []


async def test_long_poll_wakes_up_when_someone_writes(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    poll = asyncio.create_task(call(http, fake, "getUpdates", {"timeout": 30}))
    await fake.wait_for_request("getUpdates")
    started = time.monotonic()
    update_id = await ana.send("hola")
    status, body = await poll
    assert status == 200
    assert [u["update_id"] for u in body["result"]] == [update_id]
    assert time.monotonic() - started < 5


async def test_long_poll_without_updates_answers_empty_after_timeout(
    fake: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake, "getUpdates", {"timeout": 0.2})
    assert (status, body) == (200, {"ok": True, "result": []})


async def test_a_second_poller_terminates_the_first(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    first = asyncio.create_task(call(http, fake, "getUpdates", {"timeout": 30}))
    await fake.wait_for_request("getUpdates")
    second = asyncio.create_task(call(http, fake, "getUpdates", {"timeout": 30}))
    status, body = await first
    assert status == 409
    assert error_of(body) == CONFLICT_POLLING
    await fake.user(1001).send("hola")
    status, body = await second
    assert status == 200
    assert len(body["result"]) == 1


async def test_stop_answers_pending_long_polls(http: aiohttp.ClientSession) -> None:
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    poll = asyncio.create_task(call(http, fake, "getUpdates", {"timeout": 60}))
    await fake.wait_for_request("getUpdates")
    started = time.monotonic()
    await fake.stop()
    assert await poll == (200, {"ok": True, "result": []})
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------- buttons & edits


async def test_press_sends_a_callback_query(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    await send(http, fake, ana.chat_id, "¿Confirmas?", reply_markup=KEYBOARD)
    update_id = await ana.press("Sí")
    _, body = await call(http, fake, "getUpdates")
    query = body["result"][0]["callback_query"]
    assert body["result"][0]["update_id"] == update_id
    assert query["data"] == "yes"
    assert query["from"]["id"] == ana.user_id
    assert query["message"]["message_id"] == 1
    assert query["message"]["text"] == "¿Confirmas?"
    assert query["chat_instance"]
    answer = {"callback_query_id": query["id"], "text": "Listo"}
    status, _ = await call(http, fake, "answerCallbackQuery", answer, how="form")
    assert status == 200
    assert (await fake.wait_callback_answer(update_id)).text == "Listo"
    assert ana.callback_answers[0].show_alert is False
    status, body = await call(http, fake, "answerCallbackQuery", answer)
    assert status == 400
    assert "query ID is invalid" in error_of(body)


async def test_press_unknown_label_lists_the_buttons(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await ana.press("Sí")
    await send(http, fake, ana.chat_id, "¿Confirmas?", reply_markup=KEYBOARD)
    with pytest.raises(AssertionError, match=r"available: \['Sí', 'No'\]"):
        await ana.press("Quizás")


async def test_press_data_forges_a_button(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    await send(http, fake, ana.chat_id, "Hola")
    await ana.press_data("delete:everything")
    _, body = await call(http, fake, "getUpdates")
    assert body["result"][0]["callback_query"]["data"] == "delete:everything"


async def test_edits_update_the_message_and_the_inbox(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    await send(http, fake, ana.chat_id, "¿Confirmas?", reply_markup=KEYBOARD)
    await ana.expect("¿Confirmas?")
    edit = {"chat_id": ana.chat_id, "message_id": 1, "text": "¿Confirmas?", "reply_markup": KEYBOARD}
    status, body = await call(http, fake, "editMessageText", edit)
    assert status == 400
    assert error_of(body).startswith("Bad Request: message is not modified")
    status, body = await call(http, fake, "editMessageText", {**edit, "text": "Confirmado"})
    assert status == 200
    assert "reply_markup" in body["result"]
    assert "edit_date" in body["result"]
    edited = await ana.expect("Confirmado", kind="edit")
    assert (edited.message_id, edited.labels) == (1, ["Sí", "No"])
    one = {"inline_keyboard": [[{"text": "Deshacer", "callback_data": "undo"}]]}
    markup = {"chat_id": ana.chat_id, "message_id": 1, "reply_markup": one}
    status, _ = await call(http, fake, "editMessageReplyMarkup", markup)
    assert status == 200
    assert (await ana.expect(kind="edit")).buttons == [[("Deshacer", "undo")]]
    await ana.press("Deshacer")
    no_buttons = {**edit, "text": "Sin botones", "reply_markup": None}
    status, _ = await call(http, fake, "editMessageText", no_buttons)
    assert status == 200
    assert (await ana.expect(kind="edit")).buttons == []
    status, body = await call(http, fake, "editMessageText", {**edit, "message_id": 77, "text": "x"})
    assert error_of(body) == "Bad Request: message to edit not found"


# --------------------------------------------------------------------------- expect


async def test_expect_is_strict_and_silence_is_checked(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    await ana.expect_silence(0.05)
    await send(http, fake, ana.chat_id, "primero")
    await send(http, fake, ana.chat_id, "segundo")
    with pytest.raises(AssertionError, match="'primero'"):
        await ana.expect("segundo")
    assert [r.text for r in ana.pending()] == ["segundo"]
    with pytest.raises(AssertionError, match=r"expected silence.*segundo"):
        await ana.expect_silence(0.05)
    assert (await ana.expect("seg")).text == "segundo"
    with pytest.raises(AssertionError, match=r"no new bot message within 0\.05s"):
        await ana.expect(timeout=0.05)


async def test_expect_waits_for_a_message_sent_later(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    waiting = asyncio.create_task(ana.expect("tarde"))
    await send(http, fake, ana.chat_id, "llega tarde")
    assert (await waiting).text == "llega tarde"


# --------------------------------------------------------------------------- flood control & faults


async def test_flood_control_answers_429_with_retry_after(http: aiohttp.ClientSession) -> None:
    now = [100.0]
    limits = FloodLimits(global_per_second=3, per_chat_per_second=2)
    async with FakeBotApi(token=TOKEN, limits=limits, clock=lambda: now[0]) as fake:
        ana, bea = fake.user(1001), fake.user(1002, "Bea")
        assert (await send(http, fake, ana.chat_id, "1"))[0] == 200
        now[0] += 0.5
        assert (await send(http, fake, ana.chat_id, "2"))[0] == 200
        status, body = await send(http, fake, ana.chat_id, "3")
        assert status == 429
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        assert (await send(http, fake, bea.chat_id, "4"))[0] == 200
        assert (await send(http, fake, bea.chat_id, "5"))[0] == 429  # global window is full
        now[0] += 0.6
        assert (await send(http, fake, ana.chat_id, "3 again"))[0] == 200
        assert fake.stats.flood_429 == 2
        assert [r.text for r in ana.inbox] == ["1", "2", "3 again"]


async def test_group_flood_window_is_a_minute(http: aiohttp.ClientSession) -> None:
    now = [0.0]
    limits = FloodLimits(per_group_per_minute=2)
    async with FakeBotApi(token=TOKEN, limits=limits, clock=lambda: now[0]) as fake:
        group = fake.group(-100123, "Moderadores")
        for _ in range(2):
            assert (await send(http, fake, group.chat_id, "ok"))[0] == 200
        now[0] += 30
        status, body = await send(http, fake, group.chat_id, "too much")
        assert (status, body["parameters"]["retry_after"]) == (429, 30)


async def test_fail_next_injects_errors(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana, bea = fake.user(1001), fake.user(1002, "Bea")
    fake.fail_next("sendMessage", status=500, description="Internal Server Error", times=2)
    fake.fail_next("sendMessage", status=403, description=BLOCKED_BY_USER, chat_id=bea.chat_id)
    fake.fail_next("sendmessage", status=429, retry_after=7)
    for _ in range(2):
        status, body = await send(http, fake, ana.chat_id, "hola")
        assert (status, error_of(body)) == (500, "Internal Server Error")
    status, body = await send(http, fake, bea.chat_id, "hola")
    assert (status, error_of(body)) == (403, BLOCKED_BY_USER)
    status, body = await send(http, fake, ana.chat_id, "hola")
    assert (status, body["parameters"]) == (429, {"retry_after": 7})
    assert error_of(body) == "Too Many Requests: retry after 7"
    assert (await send(http, fake, ana.chat_id, "por fin"))[0] == 200
    assert [r.text for r in ana.inbox] == ["por fin"]
    assert bea.inbox == []
    assert (fake.stats.responses_5xx, fake.stats.responses_4xx, fake.stats.injected_faults) == (2, 2, 4)
    assert fake.stats.flood_429 == 0


async def test_stalled_send_times_out_but_is_still_delivered(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    fake.stall_next("sendMessage", 0.3)
    url = f"{fake.base_url}/bot{TOKEN}/sendMessage"
    with pytest.raises(asyncio.TimeoutError):
        await http.post(url, json={"chat_id": ana.chat_id, "text": "¿llegó?"}, timeout=aiohttp.ClientTimeout(total=0.1))
    assert (await ana.expect("¿llegó?")).kind == "message"
    assert fake.stats.stalled_requests == 1


async def test_stall_without_delivery_answers_502(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    fake.stall_next("sendMessage", 0.05, deliver=False)
    status, body = await send(http, fake, ana.chat_id, "perdido")
    assert (status, error_of(body)) == (502, "Bad Gateway")
    assert ana.inbox == []


async def test_blocked_and_never_started_chats(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    fake.block(ana.chat_id)
    status, body = await send(http, fake, ana.chat_id, "hola")
    assert (status, error_of(body)) == (403, BLOCKED_BY_USER)
    fake.unblock(ana.chat_id)
    assert (await send(http, fake, ana.chat_id, "hola"))[0] == 200
    assert [r.text for r in ana.inbox] == ["hola"]
    shy = fake.user(1003, "Carla", started=False)
    status, body = await send(http, fake, shy.chat_id, "hola")
    assert (status, error_of(body)) == (403, "Forbidden: bot can't initiate conversation with a user")
    await shy.send("/start")
    assert (await send(http, fake, shy.chat_id, "hola"))[0] == 200


# --------------------------------------------------------------------------- webhook


async def test_webhook_delivers_in_order_and_retries(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    seen: list[tuple[int, str | None]] = []
    answers = [500, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        seen.append(((await request.json())["update_id"], request.headers.get(WEBHOOK_SECRET_HEADER)))
        return web.Response(status=answers.pop(0) if answers else 200)

    ana = fake.user(1001)
    async with serve(hook) as url:
        params = {"url": url, "secret_token": "s3cr3t"}
        assert (await call(http, fake, "setWebhook", params, how="form"))[0] == 200
        status, body = await call(http, fake, "getUpdates")
        assert (status, error_of(body)) == (409, CONFLICT_WEBHOOK)
        first, second = await ana.send("uno"), await ana.send("dos")
        await fake.wait_all_confirmed()
    assert seen == [(first, "s3cr3t"), (first, "s3cr3t"), (second, "s3cr3t")]
    assert (fake.stats.webhook_attempts, fake.stats.webhook_failures) == (3, 1)
    _, info = await call(http, fake, "getWebhookInfo")
    assert info["result"]["url"] == url
    error = info["result"]["last_error_message"]
    assert error == "Wrong response from the webhook: 500 Internal Server Error"


async def test_webhook_answer_can_carry_a_method(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "¡Recibido!"})

    async with serve(hook) as url:
        await call(http, fake, "setWebhook", {"url": url})
        await ana.send("hola")
        assert (await ana.expect("¡Recibido!")).kind == "message"


async def test_webhook_only_calls_loopback_and_can_be_deleted(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    await call(http, fake, "setWebhook", {"url": "https://cocrea.example.org/telegram"})
    update_id = await ana.send("hola")
    assert await fake.wait_until(lambda: fake.stats.webhook_failures >= 1)
    _, info = await call(http, fake, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1
    assert "loopback" in info["result"]["last_error_message"]
    await call(http, fake, "deleteWebhook")
    _, body = await call(http, fake, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [update_id]
    await call(http, fake, "deleteWebhook", {"drop_pending_updates": True})
    assert fake.pending_updates == []
    _, info = await call(http, fake, "getWebhookInfo")
    assert info["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


async def test_webhook_target_redirects_a_public_url(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    got: list[Json] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.json_response({})

    async with serve(hook) as url:
        fake.webhook_target = url
        await call(http, fake, "setWebhook", {"url": "https://cocrea.example.org/telegram"})
        await fake.user(1001).send("hola")
        await fake.wait_all_confirmed()
    assert got[0]["message"]["text"] == "hola"


# --------------------------------------------------------------------------- other methods


async def test_commands_are_stored_per_scope_and_language(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    es = [{"command": "start", "description": "Empezar"}]
    en = [{"command": "start", "description": "Start"}]
    await call(http, fake, "setMyCommands", {"commands": es}, how="form")
    await call(http, fake, "setMyCommands", {"commands": en, "language_code": "en"}, how="multipart")
    _, body = await call(http, fake, "getMyCommands", {"language_code": "en"})
    assert body["result"] == en
    assert fake.commands() == es
    scope = {"type": "all_private_chats"}
    _, body = await call(http, fake, "getMyCommands", {"scope": scope})
    assert body["result"] == []
    await call(http, fake, "deleteMyCommands", {"language_code": "en"})
    assert fake.commands(language_code="en") == []
    bad = {"commands": [{"command": "Start!", "description": "x"}]}
    status, body = await call(http, fake, "setMyCommands", bad)
    assert (status, error_of(body)) == (400, "Bad Request: BOT_COMMAND_INVALID")


async def test_documents_and_photos(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    url = f"{fake.base_url}/bot{TOKEN}"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ana.chat_id))
    form.add_field("caption", "Tus propuestas")
    form.add_field("document", b"id,texto\n1,hola\n", filename="propuestas.csv", content_type="text/csv")
    async with http.post(f"{url}/sendDocument", data=form) as response:
        body = await response.json()
    document = body["result"]["document"]
    assert (document["file_name"], document["file_size"]) == ("propuestas.csv", 16)
    received = await ana.expect("Tus propuestas", kind="document")
    assert (received.document_name, received.document_bytes) == ("propuestas.csv", b"id,texto\n1,hola\n")
    again = {"chat_id": ana.chat_id, "document": document["file_id"]}
    assert (await call(http, fake, "sendDocument", again))[0] == 200
    assert (await ana.expect(kind="document")).document_bytes == b"id,texto\n1,hola\n"
    _, body = await call(http, fake, "getFile", {"file_id": document["file_id"]})
    async with http.get(f"{fake.base_url}/file/bot{TOKEN}/{body['result']['file_path']}") as response:
        assert await response.read() == b"id,texto\n1,hola\n"
    long_caption = {**again, "caption": "x" * 1025}
    status, body = await call(http, fake, "sendDocument", long_caption)
    assert (status, error_of(body)) == (400, "Bad Request: message caption is too long")
    status, body = await call(http, fake, "sendDocument", {"chat_id": ana.chat_id, "document": "nope"})
    assert status == 400
    photo = aiohttp.FormData()
    photo.add_field("chat_id", str(ana.chat_id))
    photo.add_field("photo", PNG_BYTES, filename="grafico.png")
    async with http.post(f"{url}/sendPhoto", data=photo) as response:
        assert response.status == 200
    assert (await ana.expect(kind="photo")).document_name == "grafico.png"
    not_image = aiohttp.FormData()
    not_image.add_field("chat_id", str(ana.chat_id))
    not_image.add_field("photo", b"not an image", filename="x.png")
    async with http.post(f"{url}/sendPhoto", data=not_image) as response:
        assert error_of(await response.json()) == "Bad Request: IMAGE_PROCESS_FAILED"
    await ana.expect_silence(0.01)


async def test_chat_actions_close_and_log_out(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001)
    assert (await call(http, fake, "sendChatAction", {"chat_id": 1001, "action": "typing"}))[0] == 200
    status, body = await call(http, fake, "sendChatAction", {"chat_id": 1001, "action": "dancing"})
    assert (status, error_of(body)) == (400, "Bad Request: wrong parameter action in request")
    assert ana.chat_actions == ["typing"]
    assert ana.inbox == []
    assert (await call(http, fake, "close"))[1] == {"ok": True, "result": True}
    assert (await call(http, fake, "logOut"))[1] == {"ok": True, "result": True}


async def test_groups(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana, mod = fake.user(1001), fake.user(2001, "Moderadora")
    group = fake.group(-100500, "Moderación")
    markup = {"inline_keyboard": [[{"text": "Aprobar", "callback_data": "approve:1"}]]}
    await send(http, fake, group.chat_id, "Nueva propuesta de Ana", reply_markup=markup)
    await group.expect("Nueva propuesta")
    await group.send(mod, "Revisando", reply_to_message_id=1)
    await group.press(mod, "Aprobar")
    _, body = await call(http, fake, "getUpdates")
    message, query = body["result"][0]["message"], body["result"][1]["callback_query"]
    assert message["chat"] == {"id": -100500, "type": "supergroup", "title": "Moderación"}
    assert message["from"]["id"] == mod.user_id
    assert message["reply_to_message"]["message_id"] == 1
    assert (query["from"]["id"], query["data"]) == (mod.user_id, "approve:1")
    assert ana.inbox == []


async def test_people_send_all_kinds_of_content(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ana = fake.user(1001, "Ana", "qu", username="ana_q")
    await ana.send_sticker()
    await ana.send_voice()
    await ana.send_photo(caption="mi barrio")
    await ana.send_location(-0.18, -78.47)
    await ana.send_document("idea.pdf", b"%PDF", caption="mi idea")
    await ana.send_contact("+593990000000")
    await fake.enqueue_raw({"my_chat_member": {"chat": ana.chat_json()}})
    _, body = await call(http, fake, "getUpdates")
    messages = [u.get("message", {}) for u in body["result"]]
    assert messages[0]["sticker"]["emoji"] == "👍"
    assert messages[1]["voice"]["mime_type"] == "audio/ogg"
    assert [p["width"] for p in messages[2]["photo"]] == [90, 1280]
    assert messages[2]["caption"] == "mi barrio"
    assert messages[3]["location"] == {"latitude": -0.18, "longitude": -78.47}
    assert (messages[4]["document"]["file_name"], messages[4]["caption"]) == ("idea.pdf", "mi idea")
    assert messages[5]["contact"]["user_id"] == 1001
    assert messages[0]["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Ana",
        "username": "ana_q",
        "language_code": "qu",
    }
    assert "my_chat_member" in body["result"][6]
    file_id = messages[4]["document"]["file_id"]
    _, got = await call(http, fake, "getFile", {"file_id": file_id})
    assert got["result"]["file_size"] == 4


async def test_add_method_and_wait_for_request(fake: FakeBotApi, http: aiohttp.ClientSession) -> None:
    fake.add_method("setMyDescription", lambda params: params["description"] == "Cocrea")
    waiting = asyncio.create_task(fake.wait_for_request("setMyDescription", timeout=5))
    _, body = await call(http, fake, "setMyDescription", {"description": "Cocrea"})
    assert body == {"ok": True, "result": True}
    assert (await waiting).params == {"description": "Cocrea"}
    with pytest.raises(AssertionError, match="no getMe call"):
        await fake.wait_for_request("getMe", timeout=0.01)


# --------------------------------------------------------------------------- real client libraries


async def test_aiogram_bot_talks_to_the_fake(fake: FakeBotApi) -> None:
    ana = fake.user(1001)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    try:
        me = await bot.get_me()
        assert (me.id, me.username) == (123456, "cocrea_test_bot")
        button = InlineKeyboardButton(text="Sí", callback_data="yes")
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        sent = await bot.send_message(ana.chat_id, "¿Confirmas?", reply_markup=markup)
        assert sent.message_id == 1
        assert (await ana.expect("¿Confirmas?")).buttons == [[("Sí", "yes")]]
        await bot.send_document(ana.chat_id, BufferedInputFile(b"a,b\n", filename="export.csv"))
        received = await ana.expect(kind="document")
        assert (received.document_name, received.document_bytes) == ("export.csv", b"a,b\n")
        await ana.press("Sí")
        updates = await bot.get_updates(timeout=1)
        assert updates[0].callback_query is not None
        assert updates[0].callback_query.data == "yes"
        fake.fail_next("sendMessage", status=429, retry_after=3)
        with pytest.raises(TelegramRetryAfter) as retry:
            await bot.send_message(ana.chat_id, "hola")
        assert retry.value.retry_after == 3
        fake.block(ana.chat_id)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(ana.chat_id, "hola")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(5555, "hola")
    finally:
        await bot.session.close()


async def test_python_telegram_bot_talks_to_the_fake(fake: FakeBotApi) -> None:
    bea = fake.user(1002, "Bea")
    async with telegram.Bot(TOKEN, base_url=f"{fake.base_url}/bot") as bot:
        me = await bot.get_me()
        assert (me.id, me.username) == (123456, "cocrea_test_bot")
        markup = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Sí", callback_data="yes")]])
        sent = await bot.send_message(chat_id=bea.chat_id, text="¿Confirmas?", reply_markup=markup)
        assert sent.message_id == 1
        assert sent.reply_markup == markup
        assert (await bea.expect("¿Confirmas?")).buttons == [[("Sí", "yes")]]
        await bot.send_document(chat_id=bea.chat_id, document=b"a,b\n", filename="export.csv")
        assert (await bea.expect(kind="document")).document_name == "export.csv"
        await bea.press("Sí")
        updates = await bot.get_updates(timeout=1)
        assert updates[0].callback_query is not None
        assert updates[0].callback_query.data == "yes"
        bad = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("x", callback_data="y" * 65)]])
        with pytest.raises(telegram.error.BadRequest, match="Button_data_invalid"):
            await bot.send_message(chat_id=bea.chat_id, text="x", reply_markup=bad)
