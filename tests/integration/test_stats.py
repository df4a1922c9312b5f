"""Staff see how many proposals came in, by axis × pillar, zone, sector, language and day (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.consultation import Consultation
from handlers.actors import operator
from handlers.i18n import Catalogs
from handlers.services import Services
from handlers.staff.charts import draw_chart
from handlers.staff.requests import build_filter
from handlers.staff.statistics import statistics
from handlers.staff.stats_report import stats_text
from storage.database import Database, InlineSqlite
from storage.export import EVERYTHING
from storage.stats import proposal_stats
from tests.seed import QUITO, proposal

LATE_EVENING = datetime(2026, 11, 20, 23, 30, tzinfo=QUITO)  # already the 21st in UTC


async def a_week_of_proposals(database: Database) -> None:
    await proposal(database, "UIO-0001", axis_id="4", pillar_id="transparency", submitted_at=LATE_EVENING)
    await proposal(
        database,
        "UIO-0002",
        axis_id="4",
        pillar_id="transparency",
        zone="calderon",
        sector=None,
        submitted_at=LATE_EVENING + timedelta(minutes=40),
    )
    await proposal(
        database,
        "UIO-0003",
        axis_id="1",
        pillar_id="integrity",
        zone=None,
        language="en",
        status="accepted",
        submitted_at=LATE_EVENING + timedelta(days=3),
    )


async def test_counts_by_axis_pillar_zone_sector_language_status_and_local_day(any_database: Database) -> None:
    await a_week_of_proposals(any_database)
    stats = await proposal_stats(any_database)
    assert stats.total == 3
    assert stats.by_axis_pillar == {("4", "transparency"): 2, ("1", "integrity"): 1}
    assert stats.by_axis() == {"4": 2, "1": 1} and stats.by_pillar() == {"transparency": 2, "integrity": 1}
    assert stats.by_zone == {"quitumbe": 1, "calderon": 1, None: 1}
    assert stats.by_sector == {"academia": 2, None: 1}
    assert stats.by_language == {"es": 2, "en": 1}
    assert stats.by_status == {"received": 2, "accepted": 1}
    assert stats.by_day == {date(2026, 11, 20): 1, date(2026, 11, 21): 1, date(2026, 11, 23): 1}, "Quito days"


async def test_statistics_take_the_same_filters_as_exports(any_database: Database, quito: Consultation) -> None:
    await a_week_of_proposals(any_database)
    only_mobility = await proposal_stats(any_database, build_filter(quito, axes=["4"]))
    assert only_mobility.total == 2 and set(only_mobility.by_axis()) == {"4"}
    first_day = await proposal_stats(any_database, build_filter(quito, until="2026-11-20"))
    assert first_day.by_day == {date(2026, 11, 20): 1}


async def test_the_table_reads_in_the_chosen_language(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await a_week_of_proposals(any_database)
    text = stats_text(await proposal_stats(any_database), quito, catalogs.get("en"))
    for line in (
        "Proposals: 3",
        "Sustainable Mobility: 2",
        "  · Transparency and access to public information: 2",
        "  Calderón: 1",
        "  Not given: 1",
        "  Academia: 2",
        "  English: 1",
        "  2026-11-20: 1",
    ):
        assert line in text.splitlines()


async def test_an_empty_database_says_so(any_database: Database, quito: Consultation, catalogs: Catalogs) -> None:
    stats = await proposal_stats(any_database)
    assert stats.total == 0 and stats.by_day == {}
    assert stats_text(stats, quito, catalogs.get("en")) == "No proposals match."


async def test_the_chart_is_a_phone_sized_png(
    any_database: Database, quito: Consultation, catalogs: Catalogs, tmp_path: Path
) -> None:
    await a_week_of_proposals(any_database)
    chart = draw_chart(await proposal_stats(any_database), quito, catalogs.get("es"), tmp_path / "charts" / "s.png")
    data = chart.read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1080, 1500), "upright, 1080 px wide: readable on a phone"


async def test_a_staff_members_stats_are_counted_off_the_event_loop(
    database: Database, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/stats beside citizens' updates: its counting statements go to the driver's thread, so the bot's loop
    keeps serving the chats while they run."""
    await a_week_of_proposals(database)
    handed_off: list[str] = []
    on_thread = InlineSqlite._on_thread

    async def recorded(self: InlineSqlite, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        handed_off.append(getattr(fn, "__name__", ""))
        return await on_thread(self, fn, *args, **kwargs)

    monkeypatch.setattr(InlineSqlite, "_on_thread", recorded)
    async with services.uow() as uow:
        counts = await statistics(uow, services, operator(), EVERYTHING, "es", via="bot")
        await uow.commit()
    assert counts.total == 3
    assert "execute" in handed_off, handed_off
