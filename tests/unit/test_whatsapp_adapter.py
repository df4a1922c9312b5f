"""The WhatsApp adapter's pure parts: rendering, reading webhooks, what Meta's codes mean, signatures."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import pytest

from bot.outbox.sending import BadMessage, RetryAfter, Temporary, Unreachable, WaitForPerson
from bot.whatsapp.convert import Malformed, read_notification
from bot.whatsapp.errors import classify
from bot.whatsapp.render import last_part, render, split
from bot.whatsapp.sender import tracker
from bot.whatsapp.webhook import signature_is_valid
from handlers.i18n import Catalogs
from handlers.messages import Address, Choice, Location, Outgoing

TO = Address("whatsapp", "EC.1")
PHONE_ID = "1234567890"


def options(*labels: str, short: str = "") -> tuple[tuple[Choice, ...], ...]:
    return tuple((Choice(f"opt:{n}", label, short),) for n, label in enumerate(labels))


def shown(message: Outgoing, catalogs: Catalogs, language: str = "es") -> list[dict[str, Any]]:
    return render(message, catalogs.get(language))


# --------------------------------------------------------------------------- rendering


def test_up_to_three_short_options_are_reply_buttons(catalogs: Catalogs) -> None:
    [body] = shown(Outgoing(TO, "¿Aceptas?", options("Acepto", "No, gracias")), catalogs)
    assert body["interactive"]["type"] == "button"
    assert [b["reply"] for b in body["interactive"]["action"]["buttons"]] == [
        {"id": "opt:0", "title": "Acepto"},
        {"id": "opt:1", "title": "No, gracias"},
    ]


def test_a_short_label_makes_a_button_where_the_label_is_too_long(catalogs: Catalogs) -> None:
    message = Outgoing(TO, "¡Enviada!", ((Choice("menu:new", "Escribir otra propuesta", "Otra propuesta"),),))
    [body] = shown(message, catalogs)
    assert body["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Otra propuesta"


def test_more_options_or_long_labels_make_a_list_with_the_full_label_below(catalogs: Catalogs) -> None:
    long = "Transparencia y acceso a la información pública"
    pillars = (
        (Choice("p:t", long, "Transparencia"),),
        (Choice("p:p", "Participación ciudadana", "Participación"),),
        (Choice("p:i", "Integridad"),),
        (Choice("p:r", "Rendición de cuentas"),),
    )
    [body] = shown(Outgoing(TO, "¿Qué pilar?", pillars), catalogs)
    interactive = body["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Ver opciones"
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows[0] == {"id": "p:t", "title": "Transparencia", "description": long}
    assert rows[1] == {"id": "p:p", "title": "Participación ciudadana"}, "a label that fits a row needs no short one"
    assert rows[2] == {"id": "p:i", "title": "Integridad"}
    [two] = shown(Outgoing(TO, "¿Qué pilar?", pillars[:2]), catalogs)
    assert [b["reply"]["title"] for b in two["interactive"]["action"]["buttons"]] == ["Transparencia", "Participación"]


def test_a_label_without_a_short_one_is_cut_in_the_row_and_whole_in_the_description(catalogs: Catalogs) -> None:
    [body] = shown(Outgoing(TO, "¿Sector?", options("Sociedad civil organizada del cantón", "Otro", "Más")), catalogs)
    [row, *_] = body["interactive"]["action"]["sections"][0]["rows"]
    assert row == {
        "id": "opt:0",
        "title": "Sociedad civil organiza…",
        "description": "Sociedad civil organizada del cantón",
    }


def test_more_than_ten_options_are_numbered_lines_to_answer_with_a_number(catalogs: Catalogs) -> None:
    zones = [f"Parroquia {n}" for n in range(1, 13)]
    [body] = shown(Outgoing(TO, "¿Dónde vives?", options(*zones)), catalogs)
    text = body["text"]["body"]
    assert body["type"] == "text"
    assert text.startswith("¿Dónde vives?\n\n1. Parroquia 1\n2. Parroquia 2\n")
    assert "12. Parroquia 12" in text and text.endswith("Responde con el número de tu opción.")
    english = shown(Outgoing(TO, "Where?", options(*zones)), catalogs, "en")
    assert english[0]["text"]["body"].endswith("Reply with the number of your choice.")


def test_a_text_too_long_for_the_options_goes_first_and_its_last_paragraph_carries_them(catalogs: Catalogs) -> None:
    notice = "\n\n".join(f"Párrafo {n}: " + " ".join(["texto"] * 40) for n in range(6))
    first, second = shown(Outgoing(TO, notice + "\n\n¿Aceptas este aviso?", options("Acepto", "No")), catalogs)
    assert first == {"type": "text", "text": {"body": notice, "preview_url": False}}
    assert second["interactive"]["body"]["text"] == "¿Aceptas este aviso?"


def test_long_texts_are_cut_between_paragraphs_and_come_back_whole() -> None:
    text = "\n\n".join(f"Línea {n} " + " ".join(["palabra"] * 90) for n in range(12))
    pieces = split(text, 4096)
    assert len(pieces) == 3 and all(len(piece) <= 4096 for piece in pieces)
    assert "\n\n".join(pieces) == text
    words = " ".join(["palabra"] * 2000)
    assert all(len(piece) <= 4096 for piece in split(words, 4096)) and " ".join(split(words, 4096)) == words
    head, tail = last_part(words, 1024)
    assert len(tail) <= 1024 and f"{head} {tail}" == words


def test_what_whatsapp_cannot_show_is_refused_not_cut(catalogs: Catalogs) -> None:
    with pytest.raises(BadMessage, match="files"):
        shown(Outgoing(TO, "Exportación", document_path="/tmp/x.csv"), catalogs)
    with pytest.raises(BadMessage, match="option id"):
        shown(Outgoing(TO, "¿?", ((Choice("x" * 201, "Largo"),),)), catalogs)
    with pytest.raises(BadMessage, match="needs text"):
        shown(Outgoing(TO, "   "), catalogs)


def test_a_split_message_names_its_outbox_row_and_its_parts() -> None:
    assert [tracker("42", 0, 1), tracker("42", 0, 2), tracker("42", 1, 2)] == ["42", "42:1/2", "42:2/2"]


# --------------------------------------------------------------------------- reading webhooks


def webhook(
    *, messages: Sequence[dict[str, Any]] = (), statuses: Sequence[dict[str, Any]] = (), contacts: Any = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": PHONE_ID},
    }
    if contacts is not None:
        value["contacts"] = contacts
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }


ANA = [{"profile": {"name": "Ana"}, "wa_id": "593991234567", "user_id": "EC.111"}]


def one_event(message: dict[str, Any], contacts: Any = ANA) -> Any:
    [event] = read_notification(
        webhook(messages=[{"id": "wamid.1", "timestamp": "1", **message}], contacts=contacts), PHONE_ID
    ).events
    return event


def test_a_person_is_their_business_scoped_id_and_their_number_is_not_kept() -> None:
    event = one_event({"from": "593991234567", "from_user_id": "EC.111", "type": "text", "text": {"body": "hola"}})
    assert (event.chat_id, event.user_id, event.user_name) == ("EC.111", "EC.111", "Ana")
    assert "593991234567" not in repr(event)
    assert (event.channel, event.event_id, event.content_type, event.text) == ("whatsapp", "wamid.1", "text", "hola")


def test_without_a_number_or_without_a_user_id_the_one_given_is_used() -> None:
    hidden = [{"profile": {"name": "Luz", "username": "luz.q"}, "user_id": "EC.222"}]
    assert one_event({"from_user_id": "EC.222", "type": "text", "text": {"body": "x"}}, hidden).chat_id == "EC.222"
    old = [{"profile": {"name": "Ana"}, "wa_id": "593991234567"}]
    assert one_event({"from": "593991234567", "type": "text", "text": {"body": "x"}}, old).chat_id == "593991234567"


@pytest.mark.parametrize(
    ("message", "kind", "expected"),
    [
        ({"type": "text", "text": {"body": "/start"}}, "command", {"text": "/start"}),
        ({"type": "text", "text": {"body": "/ 2"}}, "text", {"text": "/ 2"}),
        (
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "lang:es", "title": "Español"}},
            },
            "button",
            {"choice": "lang:es"},
        ),
        (
            {
                "type": "interactive",
                "interactive": {"type": "list_reply", "list_reply": {"id": "axis:4", "title": "Movilidad"}},
            },
            "button",
            {"choice": "axis:4"},
        ),
        ({"type": "button", "button": {"payload": "Leer", "text": "Leer"}}, "button", {"choice": "resume"}),
        (
            {"type": "location", "location": {"latitude": -0.2, "longitude": -78.5}},
            "location",
            {"location": Location(-0.2, -78.5)},
        ),
        ({"type": "location", "location": {"latitude": "norte"}}, "other", {}),
        (
            {"type": "image", "image": {"id": "555", "caption": "La parada", "mime_type": "image/jpeg"}},
            "photo",
            {"attachment_ids": ("555",), "text": "La parada"},
        ),
        ({"type": "sticker", "sticker": {"id": "9"}}, "sticker", {}),
        ({"type": "audio", "audio": {"id": "9", "voice": True}}, "voice", {}),
        ({"type": "audio", "audio": {"id": "9"}}, "audio", {}),
        ({"type": "unsupported", "unsupported": {"type": "poll"}}, "other", {}),
        ({"type": "interactive", "interactive": {"type": "nfm_reply"}}, "other", {}),
    ],
    ids=[
        "command",
        "slash-text",
        "button",
        "list-row",
        "template-button",
        "location",
        "bad-location",
        "photo",
        "sticker",
        "voice",
        "audio",
        "unsupported",
        "flow",
    ],
)
def test_each_kind_of_message_becomes_one_event(message: dict[str, Any], kind: str, expected: dict[str, Any]) -> None:
    event = one_event({"from_user_id": "EC.111", **message})
    assert event.content_type == kind
    for field, value in expected.items():
        assert getattr(event, field) == value


def test_reactions_and_system_notices_are_left_out_and_replies_name_the_message() -> None:
    body = webhook(
        messages=[
            {"id": "w1", "from_user_id": "EC.111", "type": "reaction", "reaction": {"message_id": "w0", "emoji": "👍"}},
            {"id": "w2", "from_user_id": "EC.111", "type": "system", "system": {"body": "changed number"}},
            {
                "id": "w3",
                "from_user_id": "EC.111",
                "type": "text",
                "text": {"body": "En la Y"},
                "context": {"from": "1555", "id": "wamid.Q"},
            },
        ],
        contacts=ANA,
    )
    [event] = read_notification(body, PHONE_ID).events
    assert (event.event_id, event.reply_to) == ("w3", "wamid.Q")


def test_receipts_name_their_outbox_row() -> None:
    failure = {"code": 131047, "title": "Re-engagement message", "error_data": {"details": "24 hours passed"}}
    body = webhook(
        statuses=[
            {"id": "wamid.A", "status": "delivered", "timestamp": "1", "biz_opaque_callback_data": "42"},
            {"id": "wamid.B", "status": "read", "timestamp": "1", "biz_opaque_callback_data": "43:1/2"},
            {
                "id": "wamid.C",
                "status": "failed",
                "timestamp": "1",
                "biz_opaque_callback_data": "44",
                "errors": [failure],
            },
            {"id": "wamid.D", "status": "sent", "timestamp": "1"},
            {"id": "wamid.E", "status": "sent", "timestamp": "1", "biz_opaque_callback_data": "doorbell"},
            {"id": "wamid.F", "status": "played", "timestamp": "1"},
        ]
    )
    receipts = read_notification(body, PHONE_ID).receipts
    assert [(r.message_id, r.status, r.outbox_id, r.ours) for r in receipts] == [
        ("wamid.A", "delivered", 42, True),
        ("wamid.B", "read", 43, True),
        ("wamid.C", "failed", 44, True),
        ("wamid.D", "sent", None, True),
        ("wamid.E", "sent", None, False),
    ]
    assert (receipts[2].code, receipts[2].error) == (131047, "24 hours passed")


def test_other_numbers_and_other_fields_are_left_out_and_a_body_that_is_not_a_webhook_is_malformed() -> None:
    other = webhook(messages=[{"id": "w", "from_user_id": "EC.1", "type": "text", "text": {"body": "x"}}])
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert read_notification(other, PHONE_ID).events == ()
    template_update = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "message_template_status_update", "value": {}}]}],
    }
    assert read_notification(template_update, PHONE_ID).events == ()
    bodies: list[Any] = [
        [],
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": ["x"]},
    ]
    for body in bodies:
        with pytest.raises(Malformed):
            read_notification(body, PHONE_ID)


# --------------------------------------------------------------------------- Meta's codes, signatures


@pytest.mark.parametrize(
    ("code", "status", "meaning"),
    [
        (131047, 400, WaitForPerson),
        (130429, 400, RetryAfter),
        (131056, 400, RetryAfter),
        (131026, 400, Unreachable),
        (131000, 500, Temporary),
        (131016, 503, Temporary),
        (190, 401, Temporary),
        (None, 502, Temporary),
        (131009, 400, BadMessage),
        (132001, 404, BadMessage),
        (100, 400, BadMessage),
    ],
)
def test_what_each_error_code_means(code: int | None, status: int, meaning: type) -> None:
    assert isinstance(classify(code, status=status), meaning)


def test_throughput_holds_everyone_and_pair_rate_only_that_person() -> None:
    throughput, pair = classify(130429), classify(131056)
    assert isinstance(throughput, RetryAfter) and throughput.everyone
    assert isinstance(pair, RetryAfter) and not pair.everyone and pair.seconds >= 6


def test_the_signature_is_checked_on_the_raw_bytes() -> None:
    body = b'{"object":"whatsapp_business_account","x":"\\u00e1\\/"}'
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert signature_is_valid(body, good, "app-secret")
    assert not signature_is_valid(body.replace(b"\\/", b"/"), good, "app-secret"), "re-serialised JSON fails"
    assert not signature_is_valid(body, good, "other-secret")
    assert not signature_is_valid(body, None, "app-secret")
    assert not signature_is_valid(body, good.removeprefix("sha256="), "app-secret")
    assert not signature_is_valid(body, "sha256=ñ", "app-secret")
