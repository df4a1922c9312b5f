"""Staff look at the groups of similar proposals on the desk and confirm or split them: a moderator
unticks the proposal that does not belong and drafts a commitment from the rest; what was merged leaves
the page, what was left out stays free. An analyst reads the groups but cannot act; a bad threshold is
explained and nothing breaks."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.database import Database
from storage.models import AuditEntry, Proposal
from tests.seed import similar_proposals
from tests.web.conftest import Desk, SignIn

BUSES = ("UIO-0001", "UIO-0003", "UIO-0005")  # Spanish, Spanish, English: the same bus stops
PARK = ("UIO-0002", "UIO-0006")


def groups_on(page: str) -> list[list[str]]:
    """The codes of each group shown, in page order, as their checkboxes or links list them."""
    sections = re.findall(r'<section class="group".*?</section>', page, flags=re.S)
    return [list(dict.fromkeys(re.findall(r'href="/desk/proposals/(UIO-\d+)"', s))) for s in sections]


def ticked(page: str) -> list[str]:
    return re.findall(r'name="code" value="(UIO-\d+)" checked', page)


async def statuses(database: Database) -> dict[str, str]:
    async with database.sessions() as session:
        return {p.code: p.status for p in (await session.execute(select(Proposal))).scalars()}


async def test_a_moderator_splits_a_suggested_group_and_drafts_a_commitment_from_the_rest(
    sign_in: SignIn, database: Database
) -> None:
    await similar_proposals(database)
    desk = await sign_in("moderator")

    page = (await desk.get("/desk/clusters")).text
    assert groups_on(page) == [list(BUSES), list(PARK)], "largest first, the centre first; the hidden one never"
    assert ticked(page) == [*BUSES, *PARK], "every proposal of a group comes ticked"
    assert "2 grupos de propuestas similares." in page and "2 propuestas no tienen una casi idéntica." in page
    assert "autor-" not in page and "7000" not in page, "no author information"
    assert 'aria-current="page">Propuestas similares' in page

    response = await desk.client.post(  # UIO-0005 unticked: it stays out of the commitment
        "/desk/commitments/draft",
        data={"csrf": desk.csrf, "code": ["UIO-0001", "UIO-0003"], "title": "Horarios en las paradas"},
    )
    assert response.headers["location"] == "/desk/commitments/UIO-C01?done=drafted"
    now = await statuses(database)
    assert (now["UIO-0001"], now["UIO-0003"], now["UIO-0005"]) == ("merged", "merged", "received")

    after = (await desk.get("/desk/clusters")).text
    assert groups_on(after) == [list(PARK)], "what was merged leaves the page"
    assert "UIO-C01 · Horarios en las paradas" in after, "the next group can join the new commitment"
    merged = (await desk.get("/desk/clusters?status=merged")).text
    assert groups_on(merged) == [["UIO-0001", "UIO-0003"]], "the merged ones, when asked for"


async def test_the_threshold_tightens_the_groups_and_a_bad_one_is_explained(
    sign_in: SignIn, database: Database
) -> None:
    await similar_proposals(database)
    desk = await sign_in("moderator")

    tight = (await desk.get("/desk/clusters?axis=4&threshold=0,8")).text
    assert [sorted(group) for group in groups_on(tight)] == [["UIO-0001", "UIO-0003"]], "a pair: either is its centre"
    for bad in ("abc", "0", "1.5", "nan"):
        response = await desk.get(f"/desk/clusters?threshold={bad}")
        assert response.status_code == 400, bad
        assert 'role="alert"' in response.text and "umbral" in response.text
        assert '<section class="group"' not in response.text, "no groups of something else"
    refused = await desk.get("/desk/clusters?axis=99")
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    async with database.sessions() as session:
        readings = (await session.execute(select(AuditEntry).where(AuditEntry.action == "clusters"))).scalars().all()
    assert len(readings) == 1, "only the page that showed groups"


async def test_an_analyst_reads_the_groups_and_the_reading_is_audited(sign_in: SignIn, database: Database) -> None:
    await similar_proposals(database)
    analyst: Desk = await sign_in("analyst")

    page = (await analyst.get("/desk/clusters?threshold=0.6")).text
    assert groups_on(page) == [list(BUSES), list(PARK)]
    assert 'name="code"' not in page and "/desk/commitments/draft" not in page, "reading only"
    async with database.sessions() as session:
        [entry] = (await session.execute(select(AuditEntry).where(AuditEntry.action == "clusters"))).scalars()
    assert entry.actor == f"analyst:staff-{analyst.member.id}" and entry.detail["via"] == "web"
    assert entry.detail["threshold"] == 0.6 and entry.detail["groups"] == 2
