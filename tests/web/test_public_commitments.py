"""A citizen follows their proposal to the action plan on the public site: the commitments, the published
proposals behind each one, milestones and progress — and nothing about a person, nor any proposal the
moderators hid, even when it was merged before it was hidden."""

from __future__ import annotations

import csv
import io
import json

import httpx

from handlers.actors import operator
from handlers.consolidation.commitments import (
    CommitmentEdit,
    add_milestone,
    draft,
    record_progress,
    update_commitment,
)
from handlers.moderation.actions import set_hidden
from handlers.services import Services
from storage.database import Database
from tests.seed import proposal

TITLE = "Horarios de buses en tiempo real"
HIDDEN_TEXT = "Un insulto que moderación ocultó después."
PERSONAL = (
    "vecino-7f3a",
    "vecina-9b1c",
    "770001",
    "770002",
    "Quitumbe",
    "quitumbe",
    "Academia",
    "academia",
    "30 a 44",
    "staff-",
    "operator",
    "cli:",
)


async def plan(database: Database, services: Services) -> None:
    """Three proposals became UIO-C01, which has a milestone done; one of them was hidden afterwards.
    UIO-0004 became UIO-C02 on its own; UIO-0005 is part of nothing."""
    await proposal(database, "UIO-0001")
    await proposal(database, "UIO-0002", telegram_id="770002", pseudonym="vecina-9b1c")
    await proposal(database, "UIO-0003", problem=HIDDEN_TEXT, solution="Otra cosa.", contribution="Nada.")
    await proposal(database, "UIO-0004", problem="Las veredas del barrio están rotas.")
    await proposal(database, "UIO-0005", problem="Faltan parques.")
    async with services.uow() as uow:
        me = operator()
        await draft(uow, services, me, ["UIO-0001,UIO-0002,UIO-0003"], TITLE)
        await draft(uow, services, me, ["UIO-0004"], "Veredas seguras")
        edit = CommitmentEdit(lead_institution="Secretaría de Movilidad", starts_on="2027-01-15", ends_on="2027-12-31")
        await update_commitment(uow, services, me, "UIO-C01", edit)
        await add_milestone(uow, services, me, "UIO-C01", "Pantallas en 20 paradas", "2027-03-31")
        await record_progress(uow, services, me, "UIO-C01", milestone=1, done=True, note="Instaladas 20 pantallas.")
        hidden = await uow.proposals.by_code("UIO-0003")
        assert hidden is not None
        await set_hidden(uow, me, hidden, True)
        await uow.commit()


def nothing_personal(html: str) -> None:
    for personal in PERSONAL:
        assert personal not in html, f"{personal!r} must never be on a public page"
    assert "UIO-0003" not in html and HIDDEN_TEXT not in html, "a hidden proposal is not public"


async def test_the_commitments_page_lists_each_commitment_with_its_proposals_and_progress(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await plan(database, web_services)
    page = await visitor.get("/commitments")
    assert page.status_code == 200
    html = page.text
    assert "Compromisos del plan de acción" in html and "2 compromisos" in html
    assert f"UIO-C01 · {TITLE}" in html and "UIO-C02 · Veredas seguras" in html
    assert 'href="/commitments/UIO-C01"' in html
    assert 'href="/proposals/UIO-0001"' in html and 'href="/proposals/UIO-0002"' in html
    assert "Movilidad Sostenible" in html and "Transparencia" in html and "Secretaría de Movilidad" in html
    assert "1 de 1 hitos cumplidos" in html and "Pantallas en 20 paradas" in html
    assert "Instaladas 20 pantallas." in html
    nothing_personal(html)


async def test_a_commitment_has_a_page_of_its_own(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await plan(database, web_services)
    page = await visitor.get("/commitments/UIO-C01")
    assert page.status_code == 200
    html = page.text
    assert f"<h1>UIO-C01 · {TITLE}</h1>" in html
    assert "Los buses del corredor sur" in html, "its problem, as drafted from its published sources"
    assert "del 15 ene 2027 al 31 dic 2027" in html and "2 personas" in html, "UIO-0001 and UIO-0003: one author"
    assert "previsto para el 31 mar 2027" in html and "cumplido el" in html
    assert "Hito 1: Pantallas en 20 paradas" in html and "Instaladas 20 pantallas." in html
    assert "Situación actual" not in html and "Dónde:" not in html, "the status quo names the authors' zones"
    nothing_personal(html)
    lower = await visitor.get("/commitments/uio-c01", follow_redirects=False)
    assert lower.status_code == 301 and lower.headers["location"] == "/commitments/UIO-C01"
    for missing in ("/commitments/UIO-C99", "/commitments/nonsense", "/commitments/UIO-0001"):
        assert (await visitor.get(missing)).status_code == 404, missing


async def test_a_proposal_shows_the_commitment_it_became_part_of(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await plan(database, web_services)
    page = (await visitor.get("/proposals/UIO-0001")).text
    assert "Ahora es parte de un compromiso del plan de acción" in page
    assert f'<a href="/commitments/UIO-C01">UIO-C01 · {TITLE}</a>' in page
    assert "Ahora es parte" not in (await visitor.get("/proposals/UIO-0005")).text
    listing = (await visitor.get("/proposals")).text
    assert 'Parte del compromiso <a href="/commitments/UIO-C02">UIO-C02</a>' in listing
    english = (await visitor.get("/proposals/UIO-0001?lang=en")).text
    assert "It became part of a commitment of the action plan" in english


async def test_the_open_data_names_each_proposals_commitment_and_nothing_personal(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    await plan(database, web_services)
    body = (await visitor.get("/public/proposals.csv")).content.decode("utf-8-sig")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(body))}
    assert {code: row["commitment"] for code, row in rows.items()} == {
        "UIO-0001": "UIO-C01",
        "UIO-0002": "UIO-C01",
        "UIO-0004": "UIO-C02",
        "UIO-0005": "",
    }
    objects = json.loads((await visitor.get("/public/proposals.json?q=parques")).content)
    assert [(o["code"], o["commitment"]) for o in objects] == [("UIO-0005", None)]
    for personal in ("vecino-7f3a", "770001", "Quitumbe", "Academia"):
        assert personal not in body


async def test_a_long_plan_comes_in_pages(
    visitor: httpx.AsyncClient, database: Database, web_services: Services
) -> None:
    for n in range(1, 13):
        await proposal(database, f"UIO-{n:04d}")
    async with web_services.uow() as uow:
        for n in range(1, 13):
            await draft(uow, web_services, operator(), [f"UIO-{n:04d}"], f"Compromiso número {n}")
        await uow.commit()
    first = (await visitor.get("/commitments")).text
    assert "12 compromisos" in first and "Página 1 de 2" in first and 'rel="next"' in first
    assert "UIO-C10 ·" in first and "UIO-C11 ·" not in first, "in the order they were drafted"
    second = (await visitor.get("/commitments?page=2")).text
    assert "UIO-C11 ·" in second and "UIO-C12 ·" in second and "UIO-C01 ·" not in second
