"""Every desk page and action, for every kind of visitor: the role is checked on every request, and
every change needs the session's CSRF token. Anyone without a role gets the sign-in page, never data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.actors import operator
from handlers.consolidation.commitments import draft
from handlers.services import Services
from storage.database import Database
from storage.models import AuditEntry, Commitment, Milestone, ProgressUpdate, Proposal, ThreadMessage
from tests.seed import participant, proposal
from tests.web.conftest import Browser, SignIn, reachable_author

RANKS = {"facilitator": 0, "analyst": 1, "moderator": 2, "admin": 3}
SECRET_TEXT = "Los buses del corredor sur"

READ_PAGES = [
    ("GET", "/desk"),
    ("GET", "/desk/proposals"),
    ("GET", "/desk/proposals?axis=4&q=buses"),
    ("GET", "/desk/proposals/export?format=csv"),
    ("GET", "/desk/queue"),
    ("GET", "/desk/proposals/UIO-0001"),
    ("GET", "/desk/proposals/UIO-0001/photos/1"),
    ("GET", "/desk/questions"),
    ("GET", "/desk/stats"),
    ("GET", "/desk/commitments"),
    ("GET", "/desk/clusters"),
    ("GET", "/desk/commitments/export?format=docx"),
    ("GET", "/desk/commitments/UIO-C01"),
]
MODERATE_PAGES = [
    ("GET", "/desk/answers"),
    ("POST", "/desk/proposals/UIO-0001/status"),
    ("POST", "/desk/proposals/UIO-0001/ask"),
    ("POST", "/desk/proposals/UIO-0001/hide"),
    ("POST", "/desk/questions/{question}/answer"),
    ("POST", "/desk/answers/preview"),
    ("POST", "/desk/answers/import"),
    ("POST", "/desk/commitments/draft"),
    ("POST", "/desk/commitments/add"),
    ("POST", "/desk/commitments/UIO-C01/edit"),
    ("POST", "/desk/commitments/UIO-C01/milestones"),
    ("POST", "/desk/commitments/UIO-C01/progress"),
    ("POST", "/desk/commitments/UIO-C01/undo"),
    ("POST", "/desk/proposals/UIO-0001/split"),
]
MANAGE_PAGES = [
    ("GET", "/desk/audit"),
    ("GET", "/desk/staff"),
    ("POST", "/desk/staff"),
    ("POST", "/desk/staff/remove"),
]
PAGES = (
    [(m, p, "analyst") for m, p in READ_PAGES]
    + [(m, p, "moderator") for m, p in MODERATE_PAGES]
    + [(m, p, "admin") for m, p in MANAGE_PAGES]
)
FORMS = {
    "/desk/proposals/UIO-0001/status": {"status": "in_review", "answer": ""},
    "/desk/proposals/UIO-0001/ask": {"question": "¿En qué paradas exactamente?"},
    "/desk/proposals/UIO-0001/hide": {"hidden": "yes"},
    "/desk/questions/{question}/answer": {"answer": "En marzo, en el portal municipal."},
    "/desk/answers/import": {"text": "code,status,answer\nUIO-0001,in_review,\n", "source": "a.csv"},
    "/desk/staff": {"user_id": "12345", "role": "analyst"},
    "/desk/staff/remove": {"user_id": "12345"},
    "/desk/commitments/draft": {"codes": "UIO-0001", "title": "Horarios en las paradas"},
    "/desk/commitments/add": {"commitment": "UIO-C01", "codes": "UIO-0001"},
    "/desk/commitments/UIO-C01/edit": {"title": "Horarios de buses", "action": "Pantallas en 20 paradas."},
    "/desk/commitments/UIO-C01/milestones": {"milestone_title": "Pantallas", "due": "2027-03-31"},
    "/desk/commitments/UIO-C01/progress": {"note": "Instaladas 5 pantallas."},
    "/desk/commitments/UIO-C01/undo": {"proposal": "UIO-0002"},
    "/desk/proposals/UIO-0001/split": {"into": "UIO-C01"},
}


@pytest.fixture
async def question(database: Database, web_services: Services) -> int:
    """A proposal whose author can be reached and who asked the team a question, and a commitment
    (UIO-C01) drafted from another proposal."""
    await proposal(database, "UIO-0001", attachments=["photo-1"])
    await proposal(database, "UIO-0002", problem="Las veredas del barrio están rotas.")
    async with web_services.uow() as uow:
        await draft(uow, web_services, operator(), ["UIO-0002"], "Veredas seguras")
        await uow.commit()
    author = await participant(database)
    await reachable_author(database, author)
    async with database.sessions() as session:
        message = ThreadMessage(participant_id=author, direction="ask", text="¿Cuándo se publican?", actor="citizen")
        session.add(message)
        await session.commit()
        return message.id


def ids(pages: list[tuple[str, str, str]]) -> list[str]:
    return [f"{method} {path} ({role})" for method, path, role in pages]


@pytest.mark.parametrize(("method", "path", "least"), PAGES, ids=ids(PAGES))
async def test_a_visitor_gets_the_sign_in_page_and_no_data(
    new_browser: Browser, question: int, method: str, path: str, least: str
) -> None:
    client = await new_browser()
    url = path.format(question=question)
    response = await client.request(method, url, data=FORMS.get(path) if method == "POST" else None)
    assert response.status_code == 401
    assert "Ingreso del equipo" in response.text and "/web" in response.text
    assert SECRET_TEXT not in response.text and "¿Cuándo se publican?" not in response.text


@pytest.mark.parametrize(("method", "path", "least"), PAGES, ids=ids(PAGES))
async def test_each_role_reaches_its_pages_and_no_others(
    sign_in: SignIn, question: int, method: str, path: str, least: str
) -> None:
    url = path.format(question=question)
    for n, role in enumerate(RANKS):
        desk = await sign_in(role, user_id=str(900 + n))
        if method == "GET":
            response = await desk.get(url)
        else:
            response = await desk.post(url, FORMS.get(path, {}))
        if RANKS[role] < RANKS[least]:
            assert response.status_code == 403, f"{role} must not reach {method} {url}"
            assert "Tu rol no permite esta página" in response.text
            assert SECRET_TEXT not in response.text
        else:
            assert response.status_code not in (401, 403), f"{role} may use {method} {url}: {response.status_code}"


POSTS = [(m, p) for m, p, _ in PAGES if m == "POST"]


@pytest.mark.parametrize(("method", "path"), POSTS, ids=[p for _, p in POSTS])
async def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    sign_in: SignIn, question: int, database: Database, method: str, path: str
) -> None:
    desk = await sign_in("admin")
    url = path.format(question=question)
    before = await snapshot(database)
    for token in (None, "", "forged-token-forged-token-forged-token"):
        data = dict(FORMS.get(path, {}))
        if token is not None:
            data["csrf"] = token
        refused = await desk.client.post(url, data=data)
        assert refused.status_code == 403 and "no vino de este sitio" in refused.text
    assert await snapshot(database) == before


async def test_the_token_may_come_in_a_header_for_scripts(sign_in: SignIn, question: int, database: Database) -> None:
    desk = await sign_in("moderator")
    done = await desk.client.post(
        "/desk/proposals/UIO-0001/hide", data={"hidden": "yes"}, headers={"X-CSRF-Token": desk.csrf}
    )
    assert done.status_code == 303
    async with database.sessions() as session:
        query = select(Proposal.hidden).where(Proposal.code == "UIO-0001")
        assert (await session.execute(query)).scalar_one() is True


async def snapshot(database: Database) -> tuple[list[int], list[tuple[str, bool]], list[str]]:
    async with database.sessions() as session:
        counts = [
            int((await session.execute(select(func.count()).select_from(model))).scalar_one())
            for model in (AuditEntry, ThreadMessage, Commitment, Milestone, ProgressUpdate)
        ]
        rows = [(p.status, p.hidden) for p in (await session.execute(select(Proposal))).scalars()]
        titles = [c.title for c in (await session.execute(select(Commitment))).scalars()]
    return counts, rows, titles


async def test_the_menu_shows_each_role_only_what_it_may_use(sign_in: SignIn, web_services: Services) -> None:
    analyst = (await (await sign_in("analyst", "901")).get("/desk/proposals")).text
    assert 'href="/desk/answers"' not in analyst and 'href="/desk/staff"' not in analyst
    assert 'href="/desk/commitments"' in analyst, "every role at the desk reads the commitments"
    moderator = (await (await sign_in("moderator", "902")).get("/desk/proposals")).text
    assert 'href="/desk/answers"' in moderator and 'href="/desk/audit"' not in moderator
    admin = (await (await sign_in("admin", "903")).get("/desk/proposals")).text
    assert 'href="/desk/staff"' in admin and 'href="/desk/audit"' in admin
