"""A citizen on the public site: the consultation, its numbers, every published proposal, the open data."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from handlers.actors import operator
from handlers.services import Services
from handlers.staff.columns import public_columns
from handlers.staff.exports import export_proposals
from handlers.staff.requests import ExportRequest
from storage.database import Database, open_database
from storage.export import ExportFilter
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.seed import QUITO, proposal
from tests.web.conftest import BOT_LINK, Clock, web_app

ANSWER = "Se incluye en el compromiso 3 del plan."


async def published_and_hidden(database: Database) -> None:
    await proposal(
        database,
        "UIO-0001",
        status="accepted",
        status_reason=ANSWER,
        answered_at=datetime(2026, 11, 21, 9, tzinfo=QUITO),
    )
    await proposal(
        database,
        "UIO-0002",
        axis_id="1",
        pillar_id="participation",
        problem="Las veredas del barrio están rotas y nadie las arregla.",
        telegram_id="770002",
        pseudonym="vecina-9b1c",
        location=(-0.2298, -78.5249),
        attachments=["photo-1"],
    )
    hidden = await proposal(database, "UIO-0003", problem="Texto ofensivo que moderación ocultó.")
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.get(hidden)
        assert found is not None
        found.hidden = True
        await uow.commit()


async def test_the_home_page_tells_what_the_consultation_is_and_how_to_take_part(
    visitor: httpx.AsyncClient, database: Database
) -> None:
    await published_and_hidden(database)
    page = await visitor.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="es">' in html
    assert "Plan Estratégico de Acción de Gobierno Abierto 2024-2027" in html
    assert "Abierta a propuestas hasta el 31 dic 2027" in html
    assert "Movilidad Sostenible" in html and "Vivienda, espacio público, barrios seguros" in html, (
        "axes with descriptions"
    )
    assert "Participación ciudadana" in html, "pillars"
    assert f'href="{BOT_LINK}"' in html and "Abrir el bot en Telegram" in html
    assert "2 propuestas recibidas" in html, "hidden proposals are not counted"
    assert html.count("<svg") >= 3, "the numbers are drawn as charts"
    assert "Propuestas por eje temático y pilar" in html
    assert "50 %" in html or "50%" in html, "one of two proposals has a reasoned answer"


async def test_the_visitor_chooses_english_and_it_is_remembered(visitor: httpx.AsyncClient) -> None:
    page = await visitor.get("/?lang=en")
    assert '<html lang="en">' in page.text and "How to take part" in page.text
    again = await visitor.get("/proposals")
    assert '<html lang="en">' in again.text, "the choice is kept in a cookie"
    back = await visitor.get("/?lang=es")
    assert "Cómo participar" in back.text


async def test_the_browser_language_is_used_until_the_visitor_chooses(new_browser: object) -> None:
    client: httpx.AsyncClient = await new_browser()  # type: ignore[operator]
    english = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9,es;q=0.5"})
    assert '<html lang="en">' in english.text
    unknown = await client.get("/", headers={"accept-language": "qu"})
    assert '<html lang="es">' in unknown.text, "Spanish by default"


async def test_a_closed_consultation_says_until_when_it_received_proposals(
    visitor: httpx.AsyncClient, clock: Clock
) -> None:
    clock.now = datetime(2028, 1, 10, tzinfo=QUITO)
    assert "Cerrada: se recibieron propuestas hasta el 31 dic 2027" in (await visitor.get("/")).text


async def test_every_published_proposal_is_listed_searchable_and_filterable(
    visitor: httpx.AsyncClient, database: Database
) -> None:
    await published_and_hidden(database)
    listing = (await visitor.get("/proposals")).text
    assert "UIO-0001" in listing and "UIO-0002" in listing
    assert "UIO-0003" not in listing and "Texto ofensivo" not in listing, "hidden proposals are not public"
    assert ANSWER in listing
    by_axis = (await visitor.get("/proposals?axis=1")).text
    assert "UIO-0002" in by_axis and "UIO-0001" not in by_axis
    by_words = (await visitor.get("/proposals?q=VEREDAS rotas")).text
    assert "UIO-0002" in by_words and "UIO-0001" not in by_words
    by_status = (await visitor.get("/proposals?status=accepted")).text
    assert "UIO-0001" in by_status and "UIO-0002" not in by_status
    by_code = (await visitor.get("/proposals?q=uio-0002")).text
    assert "UIO-0002" in by_code and "UIO-0001" not in by_code
    empty = (await visitor.get("/proposals?since=2026-11-21")).text
    assert "Ninguna propuesta coincide" in empty


async def test_a_filter_the_consultation_does_not_have_is_explained(visitor: httpx.AsyncClient) -> None:
    page = await visitor.get("/proposals?axis=99")
    assert page.status_code == 400
    assert "Eje desconocido 99" in page.text or "99" in page.text


async def test_the_public_cannot_filter_by_the_authors_zone_or_language(
    visitor: httpx.AsyncClient, database: Database
) -> None:
    await published_and_hidden(database)
    page = await visitor.get("/proposals?zone=nowhere&language=xx")
    assert page.status_code == 200 and "UIO-0001" in page.text, "those filters are ignored, never applied"


async def test_long_lists_come_in_pages(visitor: httpx.AsyncClient, database: Database) -> None:
    for n in range(1, 31):
        await proposal(database, f"UIO-{n:04d}")
    first = (await visitor.get("/proposals")).text
    assert "UIO-0030" in first and "UIO-0001" not in first, "newest first"
    assert "Página 1 de 2" in first and 'rel="next"' in first
    second = (await visitor.get("/proposals?page=2")).text
    assert "UIO-0001" in second and "UIO-0030" not in second
    beyond = (await visitor.get("/proposals?page=999")).text
    assert "Página 2 de 2" in beyond


async def test_a_proposal_page_shows_its_answer_and_its_status_history(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await published_and_hidden(database)
    async with web_services.uow() as uow:
        found = await uow.proposals.by_code("UIO-0001")
        assert found is not None
        uow.proposals.record_status(found, ANSWER, "moderator:staff-1")
        await uow.commit()
    page = await visitor.get("/proposals/UIO-0001")
    assert page.status_code == 200
    html = page.text
    assert "Propuesta UIO-0001" in html and "Los buses del corredor sur" in html
    assert "Respuesta motivada del equipo" in html and ANSWER in html
    assert "Historial de estados" in html and "Recibida" in html and "Aceptada" in html
    assert "staff-1" not in html and "vecino-7f3a" not in html, "never who"


async def test_hidden_and_unknown_proposals_are_not_found(visitor: httpx.AsyncClient, database: Database) -> None:
    await published_and_hidden(database)
    for code in ("UIO-0003", "UIO-9999", "nonsense"):
        page = await visitor.get(f"/proposals/{code}")
        assert page.status_code == 404
        assert "Texto ofensivo" not in page.text


async def test_a_citizen_types_a_tracking_code_and_lands_on_its_page(
    visitor: httpx.AsyncClient, database: Database
) -> None:
    await published_and_hidden(database)
    landed = await visitor.get("/track", params={"code": " uio 0001 "}, follow_redirects=True)
    assert landed.status_code == 200 and str(landed.url).endswith("/proposals/UIO-0001")
    assert "Propuesta UIO-0001" in landed.text
    lower = await visitor.get("/proposals/uio-0002", follow_redirects=True)
    assert str(lower.url).endswith("/proposals/UIO-0002")
    wrong = await visitor.get("/track", params={"code": "no sé"})
    assert wrong.status_code == 404 and "no sé" in wrong.text


async def test_texts_are_shown_as_written_never_run(visitor: httpx.AsyncClient, database: Database) -> None:
    await proposal(database, "UIO-0001", problem="<script>alert('x')</script> en la parada")
    page = (await visitor.get("/proposals/UIO-0001")).text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


async def test_every_response_forbids_framing_and_foreign_scripts(visitor: httpx.AsyncClient) -> None:
    page = await visitor.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    script = await visitor.get("/static/htmx.min.js")
    assert script.status_code == 200 and b"htmx" in script.content


PERSONAL = (
    "vecino-7f3a",
    "vecina-9b1c",
    "770001",
    "770002",
    "quitumbe",
    "Quitumbe",
    "Academia",
    "academia",
    "30-44",
    "30 a 44",
    "-0.2298",
    "-78.5249",
    "participant",
    "zone",
    "sector",
    "age_range",
    "language",
    "latitude",
    "longitude",
    "channel",
    "telegram",
    "photo-1",
)


async def test_the_open_data_is_the_public_export_streamed_with_its_date_and_nothing_personal(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await published_and_hidden(database)
    for fmt in ("csv", "json"):
        response = await visitor.get(f"/public/proposals.{fmt}")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == (
            f'attachment; filename="cocrea-quito-2024-20261121-1030-public.{fmt}"'
        ), "the file's name carries when it was generated"
        assert response.headers["x-generated-at"] == "2026-11-21T15:30:00+00:00"
        body = response.content.decode("utf-8-sig")
        for personal in PERSONAL:
            assert personal not in body, f"{personal!r} must never be in the open data"
        assert "UIO-0003" not in body and "Texto ofensivo" not in body
        out = io.BytesIO()
        async with web_services.uow() as uow:
            request = ExportRequest(fmt, ExportFilter(consultation="quito-2024"), "es", public=True)
            await export_proposals(uow, web_services, operator(), request, out, via="cli", target="x")
        assert response.content == out.getvalue(), "exactly what cocrea export --public writes"
    rows = list(csv.DictReader(io.StringIO((await visitor.get("/public/proposals.csv")).content.decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == ["UIO-0001", "UIO-0002"]
    assert tuple(rows[0]) == public_columns(web_services.steps)
    assert rows[0]["status_reason"] == ANSWER and rows[0]["answered_on"] == "2026-11-21"
    objects = json.loads((await visitor.get("/public/proposals.json?axis=1")).content)
    assert [item["code"] for item in objects] == ["UIO-0002"], "the list's filters apply to the files too"


async def test_health_says_whether_the_database_answers(
    visitor: httpx.AsyncClient, web_services: Services, tmp_path: Path
) -> None:
    assert (await visitor.get("/healthz")).status_code == 200
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    broken = open_database(f"sqlite+aiosqlite:///{folder}")
    factory = UnitOfWorkFactory(broken)
    app = web_app(replace(web_services, uow=factory))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/healthz")).status_code == 503
    await broken.dispose()


@pytest.mark.parametrize("path", ["/nothing-here", "/desk/nothing", "/public/proposals.xml"])
async def test_pages_that_do_not_exist_say_so(visitor: httpx.AsyncClient, path: str) -> None:
    page = await visitor.get(path)
    assert page.status_code in (401, 404)
