"""Staff group near-duplicate proposals with ``cocrea clusters``, run in-process on a seeded set."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli.main import main
from storage.database import open_database, upgrade
from storage.models import ProposalVector
from tests.seed import SEEDED, similar_proposals
from tests.unit.story import count

Run = Callable[..., tuple[int, str, str]]


def grouped(rows: list[dict[str, object]]) -> list[tuple[str, ...]]:
    """The codes of each cluster in file order; a pair's centre is either of the two (equally similar,
    up to the last bit of a float), so a pair is given in code order."""
    clusters: dict[str, list[str]] = {}
    for row in rows:
        clusters.setdefault(str(row["cluster"]), []).append(str(row["code"]))
    return [tuple(sorted(codes)) if len(codes) == 2 else tuple(codes) for codes in clusters.values()]


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cocrea.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("USER", "ana")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)

    async def seed() -> None:
        database = open_database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await similar_proposals(database)
        await database.dispose()

    asyncio.run(seed())
    return path


@pytest.fixture
def run(database_file: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


def vectors_stored(database_file: Path) -> int:
    async def go() -> int:
        database = open_database(f"sqlite+aiosqlite:///{database_file}")
        try:
            return await count(database, ProposalVector)
        finally:
            await database.dispose()

    return asyncio.run(go())


def test_near_duplicates_come_in_groups_largest_first_and_the_rest_alone(run: Run, database_file: Path) -> None:
    code, out, err = run("clusters")

    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert list(rows[0]) == ["cluster", "code", "axis", "pillar", "similarity", "problem"]
    assert [r["cluster"] for r in rows] == ["1", "1", "1", "2", "2", "3", "4"]
    assert grouped(rows) == [
        ("UIO-0001", "UIO-0003", "UIO-0005"),  # the buses: Spanish, Spanish, English; the centre first
        ("UIO-0002", "UIO-0006"),  # the park's lights
        ("UIO-0004",),  # alone
        ("UIO-0007",),
    ]
    centre, *members = rows[:3]
    assert centre["similarity"] == "1.0" and all(0.46 <= float(r["similarity"]) < 1 for r in members)
    assert float(members[0]["similarity"]) >= float(members[1]["similarity"]), "most similar to the centre first"
    assert (centre["axis"], centre["pillar"]) == (
        "Movilidad Sostenible",
        "Transparencia y acceso a la información pública",
    )
    assert centre["problem"] == SEEDED[0][3][0]
    assert "autor-" not in out, "no author information"
    assert err == "cocrea: 7 proposals: 5 in 2 groups, 2 alone\n"
    assert vectors_stored(database_file) == 7, "proposals stored before vectors existed got theirs"


def test_filters_threshold_and_formats(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("clusters", "--axis", "1", "--format", "json")
    assert code == 0
    assert grouped(json.loads(out)) == [("UIO-0002", "UIO-0006"), ("UIO-0004",)]

    code, out, _ = run("clusters", "--axis", "4", "--threshold", "0.8", "--format", "json")
    assert grouped(json.loads(out)) == [("UIO-0001", "UIO-0003"), ("UIO-0005",)], "tighter groups"

    target = tmp_path / "groups.xlsx"
    assert run("clusters", "--format", "xlsx", "--output", str(target), "--lang", "en")[0] == 0
    sheet = load_workbook(target).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (
        "Group",
        "Tracking code",
        "Thematic axis",
        "Open-government pillar",
        "Similarity to the group's centre",
        "Problem",
    )
    assert values[1][:2] == (1, "UIO-0001") and len(values) == 8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--threshold", "1.5"), "cocrea: The threshold must be above 0 and at most 1, not 1.5.\n"),
        (("--threshold", "0"), "cocrea: The threshold must be above 0 and at most 1, not 0.0.\n"),
        (("--axis", "99"), "cocrea: Unknown axis 99. Axes: 1, 2, 3, 4, 5, 6.\n"),
        (("--workshop", "W9"), "cocrea: There is no workshop W9.\n"),
    ],
)
def test_a_mistake_is_one_line(run: Run, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run("clusters", *argv)
    assert (code, out, err) == (2, "", message)


def test_the_run_is_audited(run: Run) -> None:
    run("clusters", "--threshold", "0.5")
    [entry] = [line for line in run("audit")[1].splitlines() if "clusters" in line]
    assert entry.split()[1:4] == ["operator:cli-ana", "clusters", "stdout"]
    assert '"groups": 2, "proposals": 7, "threshold": 0.5' in entry
