"""Workshop proposals are in the same pool as the chat's: exports, filters and statistics show both
sources (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from config.consultation import Consultation
from handlers.i18n import Catalogs
from handlers.services import Services
from handlers.staff.requests import RequestError, build_filter
from handlers.staff.stats_report import stats_text
from handlers.workshops.workshops import check_workshops
from storage.database import Database
from storage.export import count_proposals
from storage.stats import proposal_stats
from storage.uow import UnitOfWorkFactory
from tests.integration.test_exports import export
from tests.seed import proposal, workshop, workshop_proposal


async def both_sources(database: Database) -> None:
    """Two proposals from the chat, three from two tables of W1 and one from W2."""
    calderon = await workshop(database)
    quitumbe = await workshop(database, "Taller Quitumbe", zone="quitumbe")
    await proposal(database, "UIO-0001", axis_id="4", pillar_id="transparency", zone="quitumbe")
    await workshop_proposal(database, "UIO-0002", calderon, table=1, backers=12, axis_id="4", pillar_id="transparency")
    await workshop_proposal(database, "UIO-0003", calderon, table=2, backers=None, axis_id="1", pillar_id="integrity")
    await proposal(database, "UIO-0004", axis_id="1", pillar_id="integrity", zone=None)
    await workshop_proposal(
        database,
        "UIO-0005",
        calderon,
        table=2,
        axis_id="4",
        status="not_adopted",
        status_reason="Ya existe un compromiso similar.",
    )
    await workshop_proposal(database, "UIO-0006", quitumbe, table=3, backers=5, zone="quitumbe")


async def test_a_workshop_proposal_is_a_row_like_any_other(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await both_sources(any_database)
    rows = {row["code"]: row for row in json.loads(await export(any_database, quito, catalogs, format="json"))}
    assert list(rows) == [f"UIO-000{n}" for n in range(1, 7)], "one pool, one sequence"
    chat, table = rows["UIO-0001"], rows["UIO-0002"]
    assert (chat["source"], chat["workshop_id"], chat["workshop"], chat["table"], chat["backers"]) == (
        "chat",
        None,
        None,
        None,
        None,
    )
    assert chat["participant"] == "vecino-7f3a"
    assert (table["source"], table["workshop_id"], table["workshop"], table["table"], table["backers"]) == (
        "workshop",
        "W1",
        "Taller Calderón",
        1,
        12,
    )
    assert (table["participant"], table["sector"], table["age_range"], table["zone"]) == (None, None, None, "Calderón")
    assert rows["UIO-0003"]["backers"] is None


async def test_the_public_repository_shows_where_a_proposal_came_from_and_its_answer(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await both_sources(any_database)
    rows = {
        row["code"]: row for row in json.loads(await export(any_database, quito, catalogs, format="json", public=True))
    }
    answered = rows["UIO-0005"]
    assert (answered["source"], answered["workshop"], answered["table"], answered["status"]) == (
        "workshop",
        "Taller Calderón",
        2,
        "not_adopted",
    )
    assert answered["status_reason"] == "Ya existe un compromiso similar.", "reasoned answers are public like any other"
    assert "participant" not in answered and "zone" not in answered


async def test_filters_by_source_and_workshop(any_database: Database, quito: Consultation) -> None:
    await both_sources(any_database)

    async def codes(**values: list[str]) -> int:
        return await count_proposals(any_database, build_filter(quito, **values))  # type: ignore[arg-type]

    assert await codes(sources=["chat"]) == 2
    assert await codes(sources=["workshop"]) == 4
    assert await codes(sources=["chat,workshop"]) == 6
    assert await codes(workshops=["W1"]) == 3
    assert await codes(workshops=["w2", "1"]) == 4
    assert await codes(workshops=["W1"], axes=["4"]) == 2
    assert await codes(sources=["chat"], workshops=["W1"]) == 0
    with pytest.raises(RequestError, match=r"Unknown source web\. Sources: chat, workshop\."):
        build_filter(quito, sources=["web"])
    with pytest.raises(RequestError, match=r"There is no workshop Taller\."):
        build_filter(quito, workshops=["Taller"])


async def test_a_filter_naming_a_workshop_that_does_not_exist_is_refused(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await both_sources(any_database)
    services = Services(UnitOfWorkFactory(any_database), quito, catalogs)
    async with services.uow() as uow:
        await check_workshops(uow, services, build_filter(quito, workshops=["W1", "W2"]))
        with pytest.raises(RequestError, match=r"There is no workshop W3\."):
            await check_workshops(uow, services, build_filter(quito, workshops=["W3"]))


async def test_statistics_count_chat_and_workshops_side_by_side(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await both_sources(any_database)
    stats = await proposal_stats(any_database)
    assert stats.by_source == {"chat": 2, "workshop": 4}
    assert stats.by_axis_pillar_source == {
        ("4", "transparency", "chat"): 1,
        ("4", "transparency", "workshop"): 1,
        ("1", "integrity", "workshop"): 1,
        ("1", "integrity", "chat"): 1,
        ("4", "participation", "workshop"): 2,
    }
    assert stats.by_zone_source == {
        ("quitumbe", "chat"): 1,
        (None, "chat"): 1,
        ("calderon", "workshop"): 3,
        ("quitumbe", "workshop"): 1,
    }
    assert stats.by_axis_pillar[("4", "transparency")] == 2 and stats.by_zone["quitumbe"] == 2
    lines = stats_text(stats, quito, catalogs.get("en")).splitlines()
    for line in (
        "Proposals: 6 (Chat 2 · Workshops 4)",
        "By thematic axis and pillar (chat · workshops)",
        "Sustainable Mobility: 4 (1 · 3)",
        "  · Transparency and access to public information: 2 (1 · 1)",
        "  · Citizen participation: 2 (0 · 2)",
        "Habitat, Security and Civic Coexistence: 2 (1 · 1)",
        "By zone (chat · workshops)",
        "  Calderón: 3 (0 · 3)",
        "  Quitumbe: 2 (1 · 1)",
        "  Not given: 1 (1 · 0)",
    ):
        assert line in lines, line
    only_workshops = await proposal_stats(any_database, build_filter(quito, sources=["workshop"]))
    text = stats_text(only_workshops, quito, catalogs.get("en"))
    assert "Proposals: 4\n" in text and "(chat" not in text, "one source: no columns side by side"
