"""The fake WhatsApp Cloud API, tested with plain aiohttp clients: it must be trustworthy first."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.fake_whatsapp import (
    MAX_TEXT_BODY,
    PNG_BYTES,
    FakeWhatsApp,
    FakeWhatsAppUser,
    ThroughputLimits,
    sign_body,
)

JsonDict = dict[str, Any]
PHONE_ID = "1234567890"
TOKEN = "TEST-TOKEN"
SECRET = "app-secret"
ANA = "593991234567"


# --------------------------------------------------------------------------- a stand-in for the bot


class Receiver:
    """The bot's webhook endpoint, reduced to what the tests need: it records and answers."""

    def __init__(self, app_secret: str, verify_token: str = "verify-me") -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.bodies: list[bytes] = []
        self.signatures: list[str | None] = []
        self.answers: list[int] = []
        self.hold_seconds = 0.0
        self.url = ""
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/whatsapp", self._post)
        app.router.add_get("/whatsapp", self._get)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/whatsapp"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _get(self, request: web.Request) -> web.Response:
        if request.query.get("hub.mode") == "subscribe" and request.query.get("hub.verify_token") == self.verify_token:
            return web.Response(text=request.query.get("hub.challenge", ""))
        return web.Response(status=403, text="Forbidden")

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.hold_seconds:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.hold_seconds):
                    await asyncio.Event().wait()  # a slow bot: never answers in time
        self.bodies.append(body)
        self.signatures.append(request.headers.get("X-Hub-Signature-256"))
        async with self._changed:
            self._changed.notify_all()
        return web.Response(status=self.answers.pop(0) if self.answers else 200, text="ok")

    @property
    def payloads(self) -> list[JsonDict]:
        return [json.loads(body) for body in self.bodies]

    def values(self) -> list[JsonDict]:
        return [change["value"] for p in self.payloads for entry in p["entry"] for change in entry["changes"]]

    def messages(self) -> list[JsonDict]:
        return [message for value in self.values() for message in value.get("messages", [])]

    def statuses(self) -> list[JsonDict]:
        return [status for value in self.values() for status in value.get("statuses", [])]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with self._changed:
            async with asyncio.timeout(timeout):
                await self._changed.wait_for(predicate)


@pytest.fixture
async def wa() -> AsyncIterator[FakeWhatsApp]:
    async with FakeWhatsApp(
        phone_number_id=PHONE_ID, token=TOKEN, app_secret=SECRET, webhook_retry=(0.01, 0.02, 0.04)
    ) as fake:
        yield fake


@pytest.fixture
async def bot(wa: FakeWhatsApp) -> AsyncIterator[Receiver]:
    receiver = Receiver(SECRET)
    await receiver.start()
    wa.webhook_target = receiver.url
    yield receiver
    await receiver.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession,
    wa: FakeWhatsApp,
    payload: Any,
    *,
    token: str | None = TOKEN,
    phone_id: str = PHONE_ID,
) -> tuple[int, JsonDict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with http.post(f"{wa.base_url}/{phone_id}/messages", json=payload, headers=headers) as response:
        return response.status, await response.json()


def text(to: str, body: str, **extra: Any) -> JsonDict:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def buttons(to: str, titles: list[str], ids: list[str] | None = None, **interactive: Any) -> JsonDict:
    ids = ids or [f"b{index}" for index in range(len(titles))]
    action = {"buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in zip(ids, titles, strict=True)]}
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "Elige"}, "action": action, **interactive},
    }


def a_list(to: str, sections: list[JsonDict], button: str = "Ver opciones", body: str = "Elige un eje") -> JsonDict:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "interactive",
        "interactive": {"type": "list", "body": {"text": body}, "action": {"button": button, "sections": sections}},
    }


def rows(count: int, prefix: str = "r") -> list[JsonDict]:
    return [{"id": f"{prefix}{index}", "title": f"Opción {prefix}{index}"} for index in range(count)]


def template(to: str, name: str, language: str, params: list[str]) -> JsonDict:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}] if params else []
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }


async def talking(wa: FakeWhatsApp, bot: Receiver, name: str = "Ana") -> FakeWhatsAppUser:
    """A person who just wrote (their 24-hour window is open), webhook delivered."""
    person = wa.user(ANA, name)
    await wa.wait_delivered(await person.send("hola"))
    return person


# --------------------------------------------------------------------------- auth and envelopes


async def test_the_token_is_checked_like_graph(wa: FakeWhatsApp, http: aiohttp.ClientSession) -> None:
    status, body = await post(http, wa, text(ANA, "hola"), token=None)
    assert status == 401 and body["error"]["code"] == 104 and body["error"]["type"] == "OAuthException"
    async with http.post(
        f"{wa.base_url}/{PHONE_ID}/messages", json=text(ANA, "x"), headers={"Authorization": "Bearer WRONG"}
    ) as response:
        error = (await response.json())["error"]
        assert response.status == 401 and "invalid_token" in response.headers["WWW-Authenticate"]
    assert error["code"] == 190 and error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert error["fbtrace_id"]
    status, body = await post(http, wa, text(ANA, "hola"), phone_id="999")
    assert (status, body["error"]["code"], body["error"]["error_subcode"]) == (400, 100, 33)
    assert body["error"]["type"] == "GraphMethodException"
    async with http.get(f"{wa.root_url}/nope", headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == 2500
    assert wa.messages == []


async def test_a_text_is_answered_like_meta_and_delivered(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = await talking(wa, bot)
    status, body = await post(http, wa, text("+593 99 123 4567", "Bienvenida"))
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+593 99 123 4567", "wa_id": ANA}]
    [message] = body["messages"]
    assert message["id"].startswith("wamid.") and set(message) == {"id"}
    received = await ana.expect("Bienvenida", kind="text")
    assert received.id == message["id"] and received.to == ANA
    await bot.wait_for(lambda: [s["status"] for s in bot.statuses()] == ["sent", "delivered"])
    sent = bot.statuses()[0]
    assert sent["id"] == message["id"] and sent["recipient_id"] == ANA
    assert sent["recipient_user_id"] == ana.bsuid and sent["pricing"]["category"] == "service"


async def test_bad_payloads_get_metas_error_envelope(wa: FakeWhatsApp, http: aiohttp.ClientSession) -> None:
    cases: list[tuple[JsonDict, int, str]] = [
        ({"to": ANA, "type": "text", "text": {"body": "x"}}, 100, "The parameter messaging_product is required."),
        (
            text(ANA, "x", messaging_product="sms"),
            100,
            'Param messaging_product must be one of {WHATSAPP} - got "sms".',
        ),
        (
            {"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}},
            100,
            "The parameter to is required.",
        ),
        (text(ANA, ""), 100, "The parameter text['body'] is required."),
        (text(ANA, "x" * (MAX_TEXT_BODY + 1)), 100, "Param text['body'] must be at most 4096 characters long."),
        ({**text(ANA, "x"), "type": "carrier-pigeon"}, 100, "Param type must be one of"),
        ({**text(ANA, "x"), "recipient_type": "everyone"}, 100, "Param recipient_type must be one of"),
        ({**text(ANA, "x"), "context": {"message_id": 7}}, 100, "Param context['message_id'] must be a string."),
    ]
    for payload, code, detail in cases:
        status, body = await post(http, wa, payload)
        error = body["error"]
        assert (status, error["code"]) == (400, code), (payload, body)
        assert error["error_data"]["details"].startswith(detail), error
        assert error["message"].startswith(f"(#{code})") and error["fbtrace_id"]
        assert error["error_data"]["messaging_product"] == "whatsapp"
    assert wa.messages == []
    async with http.post(
        f"{wa.base_url}/{PHONE_ID}/messages",
        data=b"{nope",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == 100


async def test_the_longest_text_passes(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    ana = await talking(wa, bot)
    status, _ = await post(http, wa, text(ANA, "é" * MAX_TEXT_BODY))
    assert status == 200
    assert (await ana.expect()).text == "é" * MAX_TEXT_BODY


# --------------------------------------------------------------------------- interactive messages


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (buttons(ANA, ["a", "b", "c", "d"]), "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3"),
        (buttons(ANA, []), "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3"),
        (buttons(ANA, ["x" * 21]), "Button title length invalid. Min length: 1, Max length: 20"),
        (buttons(ANA, [""]), "Button title length invalid"),
        (buttons(ANA, ["ok"], ["i" * 257]), "Button id length invalid. Min length: 1, Max length: 256"),
        (buttons(ANA, ["Sí", "No"], ["same", "same"]), "Button id is not unique"),
        (buttons(ANA, ["Sí", "Sí"]), "Button title is not unique"),
        (buttons(ANA, ["ok"], header={"type": "text", "text": "h" * 61}), "Header text length invalid"),
        (buttons(ANA, ["ok"], footer={"text": "f" * 61}), "Footer text length invalid"),
        (
            {
                **buttons(ANA, ["ok"]),
                "interactive": {**buttons(ANA, ["ok"])["interactive"], "body": {"text": "b" * 1025}},
            },
            "Body text length invalid. Min length: 1, Max length: 1024",
        ),
        (
            a_list(ANA, [{"title": "A", "rows": rows(6, "a")}, {"title": "B", "rows": rows(5, "b")}]),
            "Total row count exceed max allowed count: 10",
        ),
        (
            a_list(ANA, [{"rows": [{"id": "r", "title": "t" * 25}]}]),
            "Row title length invalid. Min length: 1, Max length: 24",
        ),
        (
            a_list(ANA, [{"rows": [{"id": "r", "title": "t", "description": "d" * 73}]}]),
            "Row description length invalid. Min length: 0, Max length: 72",
        ),
        (
            a_list(ANA, [{"rows": [{"id": "i" * 201, "title": "t"}]}]),
            "Row id length invalid. Min length: 1, Max length: 200",
        ),
        (
            a_list(ANA, [{"rows": rows(2)}], button="b" * 21),
            "Button text length invalid. Min length: 1, Max length: 20",
        ),
        (a_list(ANA, [{"title": f"S{i}", "rows": rows(1, f"s{i}")} for i in range(11)]), "Invalid sections count"),
        (
            a_list(ANA, [{"title": "s" * 25, "rows": rows(1)}]),
            "Section title length invalid. Min length: 1, Max length: 24",
        ),
        (a_list(ANA, [{"rows": [{"id": "x", "title": "a"}, {"id": "x", "title": "b"}]}]), "Row id is not unique"),
    ],
)
async def test_interactive_limits_are_metas(
    wa: FakeWhatsApp, http: aiohttp.ClientSession, payload: JsonDict, detail: str
) -> None:
    status, body = await post(http, wa, payload)
    error = body["error"]
    assert (status, error["code"], error["message"]) == (400, 131009, "(#131009) Parameter value is not valid")
    assert error["error_data"]["details"].startswith(detail), error


async def test_two_sections_need_titles(wa: FakeWhatsApp, http: aiohttp.ClientSession) -> None:
    status, body = await post(http, wa, a_list(ANA, [{"rows": rows(1, "a")}, {"rows": rows(1, "b")}]))
    assert (status, body["error"]["code"]) == (400, 100)
    assert "['title'] is required" in body["error"]["error_data"]["details"]


async def test_largest_valid_interactives_render_for_the_person(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = await talking(wa, bot)
    titles = ["a" * 20, "Ñandú", "b" * 20]
    status, _ = await post(
        http,
        wa,
        buttons(
            ANA, titles, ["1", "2", "x" * 256], header={"type": "text", "text": "h" * 60}, footer={"text": "f" * 60}
        ),
    )
    assert status == 200
    sent = await ana.expect("Elige", kind="interactive")
    assert sent.labels == titles and sent.ids[2] == "x" * 256
    assert (sent.header, sent.footer, sent.interactive_type) == ("h" * 60, "f" * 60, "button")
    sections = [
        {"title": "Ejes", "rows": [{"id": "axis:4", "title": "t" * 24, "description": "d" * 72}, *rows(4)]},
        {"title": "s" * 24, "rows": rows(5, "z")},
    ]
    status, _ = await post(http, wa, a_list(ANA, sections, button="b" * 20, body="c" * 1024))
    assert status == 200
    listed = await ana.expect(kind="interactive")
    assert listed.is_list and len(listed.choices) == 10 and listed.list_button == "b" * 20
    assert listed.choices[0] == ("axis:4", "t" * 24, "d" * 72, "Ejes")


# --------------------------------------------------------------------------- the 24-hour window and templates


async def test_free_form_outside_the_window_is_accepted_then_fails_by_webhook(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = wa.user(ANA, "Ana")
    status, body = await post(http, wa, text(ANA, "¿Sigues ahí?"))  # she never wrote: no window
    assert status == 200 and body["messages"][0]["id"].startswith("wamid.")
    failure = await ana.expect_failure(131047)
    assert failure.message.id == body["messages"][0]["id"] and failure.title == "Re-engagement message"
    await bot.wait_for(lambda: any(s["status"] == "failed" for s in bot.statuses()))
    [failed] = bot.statuses()
    assert failed["id"] == body["messages"][0]["id"] and failed["recipient_id"] == ANA
    assert failed["errors"] == [
        {
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {
                "details": "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number."
            },
        }
    ]
    assert bot.values()[0]["contacts"] == [{"wa_id": ANA}]
    await ana.expect_silence(0.05)

    await wa.wait_delivered(await ana.send("hola"))
    assert ana.window_open and ana.last_inbound_at is not None
    assert (await post(http, wa, text(ANA, "Hola Ana")))[0] == 200
    await ana.expect("Hola Ana")
    wa.advance(hours=23, minutes=59)
    assert (await post(http, wa, text(ANA, "todavía")))[0] == 200
    await ana.expect("todavía")
    wa.advance(minutes=2)
    assert not ana.window_open
    assert (await post(http, wa, text(ANA, "tarde")))[0] == 200
    await ana.expect_silence(0.05)
    assert [f.code for f in ana.failed] == [131047, 131047]


async def test_the_window_can_be_reported_synchronously_instead(http: aiohttp.ClientSession) -> None:
    async with FakeWhatsApp(window_failures="response") as wa:
        wa.user(ANA)
        status, body = await post(http, wa, text(ANA, "hola"))
        assert (status, body["error"]["code"], body["error"]["message"]) == (
            400,
            131047,
            "(#131047) Re-engagement message",
        )
        assert wa.messages == []


async def test_templates_go_outside_the_window_and_must_be_registered(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    wa.add_template("respuesta", "es", "Hola {{1}}, tu propuesta {{2}} cambió de estado.", buttons=["Ver", "Gracias"])
    ana = wa.user(ANA, "Ana")
    status, body = await post(http, wa, template(ANA, "respuesta", "es", ["Ana", "UIO-0001"]))
    assert status == 200 and body["messages"][0]["message_status"] == "accepted"
    sent = await ana.expect("UIO-0001", kind="template")
    assert (sent.template, sent.language, sent.parameters) == ("respuesta", "es", ("Ana", "UIO-0001"))
    assert sent.text == "Hola Ana, tu propuesta UIO-0001 cambió de estado." and sent.labels == ["Ver", "Gracias"]
    press = await ana.press("Ver")
    await wa.wait_delivered(press)
    assert wa.inbound[press]["button"] == {"payload": "Ver", "text": "Ver"}
    assert wa.inbound[press]["context"]["id"] == sent.id

    status, body = await post(http, wa, template(ANA, "respuesta", "en", ["Ana", "UIO-0001"]))
    assert (status, body["error"]["code"]) == (404, 132001)
    assert body["error"]["message"] == "(#132001) Template name does not exist in the translation"
    assert body["error"]["error_data"]["details"] == "template name (respuesta) does not exist in en"
    status, body = await post(http, wa, template(ANA, "respuesta", "es", ["Ana"]))
    assert (status, body["error"]["code"]) == (400, 132000)
    assert "number of localizable_params (1)" in body["error"]["error_data"]["details"]
    status, body = await post(http, wa, template(ANA, "respuesta", "es", ["Ana", "línea\nnueva"]))
    assert (status, body["error"]["code"]) == (400, 132018)
    status, body = await post(http, wa, template(ANA, "respuesta", "es", ["Ana", " "]))
    assert (status, body["error"]["code"]) == (400, 131008)


async def test_an_unknown_number_fails_by_webhook(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    wa.add_template("hola", "es", "Hola")
    status, body = await post(http, wa, template("15550009999", "hola", "es", []))
    assert status == 200 and body["contacts"] == [{"input": "15550009999", "wa_id": "15550009999"}]
    await bot.wait_for(lambda: any(s["status"] == "failed" for s in bot.statuses()))
    assert bot.statuses()[0]["errors"][0]["code"] == 131026
    assert [f.code for f in wa.failures] == [131026]


# --------------------------------------------------------------------------- throughput


async def test_throughput_per_number_gives_130429(http: aiohttp.ClientSession) -> None:
    async with FakeWhatsApp(limits=ThroughputLimits(messages_per_second=2)) as wa:
        wa.add_template("hola", "es", "Hola")
        for person in ("1", "2", "3"):
            wa.user(f"59399000000{person}")
        results = [await post(http, wa, template(f"59399000000{p}", "hola", "es", [])) for p in "123"]
        assert [status for status, _ in results] == [200, 200, 400]
        error = results[2][1]["error"]
        assert (error["code"], error["message"], error["type"]) == (
            130429,
            "(#130429) Rate limit hit",
            "OAuthException",
        )
        assert error["error_data"] == {
            "messaging_product": "whatsapp",
            "details": "Cloud API message throughput has been reached.",
        }
        wa.advance(seconds=1)
        assert (await post(http, wa, template("593990000003", "hola", "es", [])))[0] == 200
        assert wa.stats.throughput_errors == 1 and len(wa.messages) == 3


async def test_pair_rate_gives_131056_and_bursts_are_repaid(http: aiohttp.ClientSession) -> None:
    limits = ThroughputLimits(pair_interval_seconds=6.0, pair_burst=3)
    async with FakeWhatsApp(limits=limits) as wa:
        wa.add_template("hola", "es", "Hola")
        wa.user(ANA)
        wa.user("593990000002")
        statuses = [(await post(http, wa, template(ANA, "hola", "es", [])))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 400]
        status, body = await post(http, wa, template(ANA, "hola", "es", []))
        assert (status, body["error"]["code"]) == (400, 131056)
        assert body["error"]["message"] == "(#131056) (Business Account, Consumer Account) pair rate limit hit"
        assert (await post(http, wa, template("593990000002", "hola", "es", [])))[0] == 200  # another person
        wa.advance(seconds=12)
        assert (await post(http, wa, template(ANA, "hola", "es", [])))[0] == 400  # the burst borrowed 18 s
        wa.advance(seconds=6)
        assert (await post(http, wa, template(ANA, "hola", "es", [])))[0] == 200
        assert ThroughputLimits.meta() == ThroughputLimits(80.0, 6.0, 45)


# --------------------------------------------------------------------------- injected faults


async def test_injected_faults(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    ana = await talking(wa, bot)
    wa.fail_next(status=500)
    status, body = await post(http, wa, text(ANA, "uno"))
    assert (status, body["error"]["code"], body["error"]["is_transient"]) == (500, 2, True)
    wa.fail_next(status=503)
    assert (await post(http, wa, text(ANA, "dos")))[1]["error"]["code"] == 131016
    wa.fail_next(code=131047)
    assert (await post(http, wa, text(ANA, "tres")))[1]["error"]["code"] == 131047
    wa.fail_next(status=502)
    async with http.post(
        f"{wa.base_url}/{PHONE_ID}/messages", json=text(ANA, "cuatro"), headers={"Authorization": f"Bearer {TOKEN}"}
    ) as response:
        assert response.status == 502 and response.content_type == "text/html"
    wa.fail_next(code=131056, to="+593 99 123 4567")
    assert (await post(http, wa, text(ANA, "cinco")))[1]["error"]["code"] == 131056
    assert wa.messages == [] and ana.pending() == []
    wa.fail_next(via="webhook", code=131047)
    status, _ = await post(http, wa, text(ANA, "seis"))
    assert status == 200 and (await ana.expect_failure(131047)).message.text == "seis"
    assert (await post(http, wa, text(ANA, "siete")))[0] == 200
    await ana.expect("siete")
    assert wa.stats.injected_faults == 6


async def test_a_timed_out_send_may_still_be_delivered(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = await talking(wa, bot)
    wa.stall_next(0.5)
    with pytest.raises(TimeoutError):
        async with http.post(
            f"{wa.base_url}/{PHONE_ID}/messages",
            json=text(ANA, "lento"),
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=aiohttp.ClientTimeout(total=0.1),
        ):
            pass
    await ana.expect("lento", timeout=5)  # delivered although the client gave up
    wa.stall_next(0.05, deliver=False)
    status, body = await post(http, wa, text(ANA, "perdido"))
    assert (status, body["error"]["code"]) == (500, 2)
    await ana.expect_silence(0.05)


# --------------------------------------------------------------------------- webhooks


async def test_webhooks_are_signed_over_metas_raw_bytes(wa: FakeWhatsApp, bot: Receiver) -> None:
    ana = wa.user(ANA, "Ána / Quito")
    mid = await ana.send("¿Qué pasa con la vía a/b?")
    await wa.wait_delivered(mid)
    [body], [signature] = bot.bodies, bot.signatures
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature == expected == sign_body(SECRET, body)
    assert body.isascii() and b"\\/" in body and b"\\u00bf" in body
    reserialised = json.dumps(json.loads(body)).encode()
    assert sign_body(SECRET, reserialised) != signature, "re-serialising the JSON breaks the signature"
    [value] = bot.values()
    assert value["metadata"] == {"display_phone_number": wa.display_phone_number, "phone_number_id": PHONE_ID}
    assert value["contacts"] == [{"profile": {"name": "Ána / Quito"}, "wa_id": ANA, "user_id": ana.bsuid}]
    [message] = value["messages"]
    assert message == {
        "from": ANA,
        "from_user_id": ana.bsuid,
        "id": mid,
        "timestamp": message["timestamp"],
        "type": "text",
        "text": {"body": "¿Qué pasa con la vía a/b?"},
    }
    assert bot.payloads[0]["object"] == "whatsapp_business_account"
    assert bot.payloads[0]["entry"][0]["id"] == wa.waba_id
    assert bot.payloads[0]["entry"][0]["changes"][0]["field"] == "messages"


async def test_failed_webhooks_are_retried_with_the_same_body(wa: FakeWhatsApp, bot: Receiver) -> None:
    bot.answers = [500, 204, 503]  # only 200 counts, as Meta documents
    ana = wa.user(ANA)
    mid = await ana.send("hola")
    await wa.wait_delivered(mid)
    assert len(bot.bodies) == 4 and len(set(bot.bodies)) == 1
    assert [a.status for a in wa.webhook_attempts] == [500, 204, 503, 200]
    assert [a.attempt for a in wa.webhook_attempts] == [1, 2, 3, 4]
    assert wa.pending_events == []


async def test_a_slow_webhook_times_out_and_is_retried(bot: Receiver) -> None:
    async with FakeWhatsApp(webhook_timeout=0.1, webhook_retry=(0.01,)) as wa:
        wa.webhook_target = bot.url
        bot.hold_seconds = 0.3
        mid = await wa.user(ANA).send("hola")
        await wa.wait_until(lambda: len(wa.webhook_attempts) >= 1, 5)
        bot.hold_seconds = 0.0
        await wa.wait_delivered(mid)
        assert wa.webhook_attempts[0].status is None and "Timeout" in (wa.webhook_attempts[0].error or "")
        assert wa.webhook_attempts[-1].ok


async def test_an_unreachable_bot_gets_everything_later_and_redelivery_repeats_ids(http: aiohttp.ClientSession) -> None:
    async with FakeWhatsApp(webhook_retry=(0.01,), webhook_max_attempts=2) as wa:
        wa.webhook_target = "http://127.0.0.1:9/whatsapp"  # nobody listens
        mid = await wa.user(ANA).send("hola")
        await wa.wait_until(lambda: wa.stats.webhook_dropped == 1, 5)
        assert wa.pending_events == [] and all(a.error for a in wa.webhook_attempts)
        receiver = Receiver(SECRET)
        await receiver.start()
        try:
            wa.webhook_target = receiver.url
            await wa.redeliver(mid)
            await wa.wait_delivered(mid)
            await wa.redeliver(mid)  # a duplicate, as Meta sends after outages
            await receiver.wait_for(lambda: len(receiver.bodies) == 2)
            assert receiver.bodies[0] == receiver.bodies[1]
            assert [m["id"] for m in receiver.messages()] == [mid, mid]
        finally:
            await receiver.stop()


async def test_events_wait_for_a_target(wa: FakeWhatsApp) -> None:
    mid = await wa.user(ANA).send("hola")
    assert wa.pending_events == [mid]
    receiver = Receiver(SECRET)
    await receiver.start()
    try:
        wa.webhook_target = receiver.url
        await wa.wait_all_delivered()
        assert receiver.messages()[0]["id"] == mid
    finally:
        await receiver.stop()


async def test_verification_handshake(wa: FakeWhatsApp, bot: Receiver) -> None:
    good = await wa.verify_webhook("verify-me")
    assert good.ok and good.status == 200 and good.body == good.challenge
    bad = await wa.verify_webhook("wrong")
    assert not bad.ok and bad.status == 403


async def test_deliver_raw_for_signature_checks(wa: FakeWhatsApp, bot: Receiver) -> None:
    body = wa.envelope({"messages": []})
    assert await wa.deliver_raw(body) == 200
    assert await wa.deliver_raw(body, signature=None) == 200
    assert bot.signatures == [sign_body(SECRET, bot.bodies[0]), None]


# --------------------------------------------------------------------------- scripted people


async def test_people_press_reply_and_share(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    ana = await talking(wa, bot)
    await post(http, wa, buttons(ANA, ["Acepto", "No acepto"], ["consent:yes", "consent:no"]))
    consent = await ana.expect("Elige")
    press = await ana.press("Acepto")
    sections = [{"title": "Ejes", "rows": [{"id": "axis:4", "title": "Movilidad", "description": "Transporte"}]}]
    await post(http, wa, a_list(ANA, sections))
    axes = await ana.expect("eje")
    pick = await ana.press("axis:4")  # by id works too
    forged = await ana.press_id("axis:99", "Nada")
    location = await ana.send_location(-0.18, -78.47, name="Parque", address="Av. Amazonas")
    reply = await ana.reply_to(consent, "una duda")
    await wa.wait_all_delivered()
    by_id = {m["id"]: m for m in bot.messages()}
    assert by_id[press]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "consent:yes", "title": "Acepto"},
    }
    assert by_id[press]["context"] == {"from": wa.display_phone_number, "id": consent.id}
    assert by_id[pick]["interactive"]["list_reply"] == {
        "id": "axis:4",
        "title": "Movilidad",
        "description": "Transporte",
    }
    assert by_id[pick]["context"]["id"] == axes.id
    assert by_id[forged]["interactive"]["list_reply"]["id"] == "axis:99"
    assert by_id[location]["location"] == {
        "latitude": -0.18,
        "longitude": -78.47,
        "name": "Parque",
        "address": "Av. Amazonas",
    }
    assert by_id[reply]["context"]["id"] == consent.id and by_id[reply]["text"]["body"] == "una duda"
    with pytest.raises(AssertionError, match="no choice"):
        await ana.press("Inexistente")


async def test_photos_stickers_audio_and_unsupported(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = wa.user(ANA)
    photo = await ana.send_image(caption="el bache")
    sticker = await ana.send_sticker()
    voice = await ana.send_audio()
    poll = await ana.send_unsupported("poll")
    document = await ana.send_document(caption="mi propuesta")
    await wa.wait_all_delivered()
    by_id = {m["id"]: m for m in bot.messages()}
    image = by_id[photo]["image"]
    assert image["caption"] == "el bache" and image["mime_type"] == "image/jpeg" and image["sha256"]
    assert by_id[sticker]["sticker"]["animated"] is False and by_id[voice]["audio"]["voice"] is True
    assert by_id[poll]["type"] == "unsupported" and by_id[poll]["errors"][0]["code"] == 131051
    assert by_id[document]["document"]["filename"] == "propuesta.pdf"

    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with http.get(f"{wa.base_url}/{image['id']}", headers=auth) as response:
        meta = await response.json()
    assert set(meta) == {"url", "mime_type", "sha256", "file_size", "id", "messaging_product"}
    assert (meta["id"], meta["file_size"], meta["mime_type"]) == (image["id"], len(PNG_BYTES), "image/jpeg")
    assert meta["sha256"] == hashlib.sha256(PNG_BYTES).hexdigest()
    async with http.get(meta["url"], headers=auth) as response:
        assert response.status == 200 and await response.read() == PNG_BYTES
    async with http.get(meta["url"]) as response:
        assert response.status == 401
    wa.advance(minutes=6)
    async with http.get(meta["url"], headers=auth) as response:
        assert response.status == 404, "media URLs expire after 5 minutes"
    async with http.get(f"{wa.base_url}/424242", headers=auth) as response:
        assert response.status == 400 and (await response.json())["error"]["error_subcode"] == 33


async def test_media_upload_and_send(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    ana = await talking(wa, bot)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def form(mime: str, *, product: str | None = "whatsapp") -> aiohttp.FormData:
        data = aiohttp.FormData()
        data.add_field("file", b"%PDF-1.4 propuestas", filename="export.pdf", content_type=mime)
        if product is not None:
            data.add_field("messaging_product", product)
        data.add_field("type", mime)
        return data

    async with http.post(f"{wa.base_url}/{PHONE_ID}/media", data=form("application/pdf"), headers=auth) as response:
        assert response.status == 200
        media_id = (await response.json())["id"]
    assert wa.media[media_id].content == b"%PDF-1.4 propuestas"
    async with http.post(
        f"{wa.base_url}/{PHONE_ID}/media", data=form("application/x-msdownload"), headers=auth
    ) as response:
        error = (await response.json())["error"]
        assert response.status == 400 and error["code"] == 100 and "Param file must be a file" in error["message"]
    async with http.post(
        f"{wa.base_url}/{PHONE_ID}/media", data=form("application/pdf", product=None), headers=auth
    ) as response:
        assert (await response.json())["error"]["message"] == "(#100) The parameter messaging_product is required."
    document = {
        "messaging_product": "whatsapp",
        "to": ANA,
        "type": "document",
        "document": {"id": media_id, "filename": "export.pdf", "caption": "Tus propuestas"},
    }
    assert (await post(http, wa, document))[0] == 200
    sent = await ana.expect("Tus propuestas", kind="document")
    assert (sent.media_id, sent.filename) == (media_id, "export.pdf")
    assert (await post(http, wa, {**document, "document": {"id": "777"}}))[0] == 200
    assert (await ana.expect_failure(131053)).message.media_id == "777"
    status, body = await post(http, wa, {**document, "document": {"id": media_id, "link": "https://x.org/a.pdf"}})
    assert (status, body["error"]["code"]) == (400, 100)
    async with http.delete(f"{wa.base_url}/{media_id}", headers=auth) as response:
        assert (await response.json()) == {"success": True}


async def test_expect_is_strict_and_silence_is_checked(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    ana = await talking(wa, bot)
    await post(http, wa, text(ANA, "uno"))
    await post(http, wa, text(ANA, "dos"))
    with pytest.raises(AssertionError, match="expected a message containing 'dos'"):
        await ana.expect("dos")
    await ana.expect("dos")
    await ana.expect_silence(0.05)
    await post(http, wa, text(ANA, "tres"))
    with pytest.raises(AssertionError, match="expected silence"):
        await ana.expect_silence(0.05)
    with pytest.raises(AssertionError, match="no new bot message"):
        await FakeWhatsAppUser(wa, "1", "Nadie", "US.1").expect(timeout=0.05)


async def test_read_receipts_and_mark_as_read(wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession) -> None:
    ana = await talking(wa, bot)
    await post(http, wa, text(ANA, "uno"))
    await ana.expect("uno")
    assert len(await ana.read()) == 1
    await wa.wait_all_delivered()
    assert [s["status"] for s in bot.statuses()] == ["sent", "delivered", "read"]
    inbound = ana.sent[0]["id"]
    status, body = await post(
        http,
        wa,
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": inbound,
            "typing_indicator": {"type": "text"},
        },
    )
    assert (status, body) == (200, {"success": True}) and wa.read_marks == [inbound]


async def test_a_person_with_a_username_reaches_the_bot_without_a_phone_number(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    rosa = wa.user("593987654321", "Rosa", username="rosa.q", phone_hidden=True)
    mid = await rosa.send("hola")
    await wa.wait_delivered(mid)
    [value] = bot.values()
    assert value["contacts"] == [{"profile": {"name": "Rosa", "username": "rosa.q"}, "user_id": rosa.bsuid}]
    assert "from" not in value["messages"][0] and value["messages"][0]["from_user_id"] == rosa.bsuid
    payload = {"messaging_product": "whatsapp", "recipient": rosa.bsuid, "type": "text", "text": {"body": "hola Rosa"}}
    status, body = await post(http, wa, payload)
    assert status == 200 and body["contacts"] == [{"input": rosa.bsuid, "user_id": rosa.bsuid}]
    sent = await rosa.expect("hola Rosa")
    assert sent.via_bsuid
    status, body = await post(http, wa, {**payload, "recipient": "EC.000"})
    assert (status, body["error"]["code"]) == (400, 131009)


async def test_the_older_payload_shape_has_no_bsuid(bot: Receiver) -> None:
    async with FakeWhatsApp(bsuid_fields=False) as wa:
        wa.webhook_target = bot.url
        await wa.wait_delivered(await wa.user(ANA, "Ana").send("hola"))
        [value] = bot.values()
        assert value["contacts"] == [{"profile": {"name": "Ana"}, "wa_id": ANA}]
        assert "from_user_id" not in value["messages"][0]


async def test_requests_are_recorded_without_the_token(
    wa: FakeWhatsApp, bot: Receiver, http: aiohttp.ClientSession
) -> None:
    await talking(wa, bot)
    await post(http, wa, text(ANA, "hola"))
    found = await wa.wait_for_request("/messages", where=lambda body: body["text"]["body"] == "hola")
    assert found.method == "POST" and "Authorization" not in found.headers
    assert isinstance(found.headers, Mapping)


async def test_faults_on_media_endpoints(wa: FakeWhatsApp, http: aiohttp.ClientSession) -> None:
    item = wa.add_media(PNG_BYTES, "image/png", origin="user")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    wa.fail_next("media_url", status=503)
    async with http.get(f"{wa.base_url}/{item.id}", headers=auth) as response:
        assert response.status == 503 and (await response.json())["error"]["code"] == 131016
    async with http.get(f"{wa.base_url}/{item.id}", headers=auth) as response:
        url = (await response.json())["url"]
    wa.fail_next("download", status=500)
    async with http.get(url, headers=auth) as response:
        assert response.status == 500
    async with http.get(url, headers=auth) as response:
        assert await response.read() == PNG_BYTES
    async with http.get(f"{wa.base_url}/{PHONE_ID}", headers=auth) as response:
        assert (await response.json())["id"] == PHONE_ID


async def test_webhooks_can_be_delivered_concurrently(bot: Receiver) -> None:
    async with FakeWhatsApp(webhook_concurrency=3, webhook_retry=(0.01,)) as wa:
        wa.webhook_target = bot.url
        bot.answers = [500]
        ids = [await wa.user(f"59399000000{n}").send(f"hola {n}") for n in range(6)]
        await wa.wait_all_delivered()
        assert {m["id"] for m in bot.messages()} == set(ids)
        assert len(bot.bodies) == 7 and wa.stats.webhook_failures == 1
