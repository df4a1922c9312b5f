"""On the server: ``cocrea commitments …`` drafts commitments from proposals, follows them through their
milestones, and exports them in the OGP template (CSV, Excel, JSON, Word, Markdown)."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.app import App, build_app
from bot.cli.commitments import commitments_command
from bot.cli.main import main, parser
from bot.settings import load_settings
from handlers.consolidation.commitments import CommitmentRefused
from storage.database import Database
from tests.conftest import NOW, migrate
from tests.driver import Citizen, fixed_clock
from tests.unit.commitment_story import TITLE, delivered, news, proposal, submits, supports


@pytest.fixture
async def app(sqlite_url: str, database: Database) -> AsyncIterator[App]:
    settings = load_settings({"COCREA_DATABASE_URL": sqlite_url}, env_file=None)
    built = await build_app(settings, clock=fixed_clock(NOW))
    yield built
    await built.close()


async def cli(app: App, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``cocrea commitments ARGV…`` against the test's database (in this event loop)."""
    code = await commitments_command(app, parser().parse_args(["commitments", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
async def plan(
    app: App, make_citizen: Callable[..., Citizen], database: Database, capsys: pytest.CaptureFixture[str]
) -> list[Citizen]:
    """Three citizens sent proposals; the first two became UIO-C01, which has two milestones (one done)."""
    people = [make_citizen(str(n)) for n in (601, 602, 603)]
    for citizen in people:
        await submits(citizen)
    await supports(database, people[2], "UIO-0001")
    code, out, err = await cli(app, capsys, "draft", "--from", "UIO-0001,UIO-0002", "--title", TITLE)
    assert (code, out) == (0, "UIO-C01\n"), "the code alone on standard output, for scripts"
    assert err == (
        "cocrea: drafted UIO-C01 from 2 proposals (UIO-0001, UIO-0002); "
        "3 messages for their people (sent by the running bot from its outbox)\n"
    )
    assert (await cli(app, capsys, "milestone", "add", "uio-c01", "--title", "Pantallas", "--due", "2027-03-31"))[
        1
    ] == ("1\n")
    assert (await cli(app, capsys, "milestone", "add", "UIO-C01", "--title", "Datos abiertos"))[1] == "2\n"
    code, _, err = await cli(
        app, capsys, "progress", "UIO-C01", "--milestone", "1", "--done", "--note", "Pantallas instaladas."
    )
    assert code == 0 and err.endswith("; 3 messages for their people (sent by the running bot from its outbox)\n")
    return people


async def test_drafting_from_the_command_line_merges_and_tells_everyone_once(
    app: App, plan: list[Citizen], database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = plan[0]
    code, out, err = await cli(app, capsys, "draft", "--from", "UIO-0002,UIO-0001", "--title", TITLE)
    assert (code, out) == (0, "UIO-C01\n")
    assert err == "cocrea: UIO-C01 was already drafted from these proposals: nothing changed\n"
    await delivered(ana)
    assert [len(news(citizen, "UIO-C01")) for citizen in plan] == [2, 2, 2], "the merge and the progress, once each"
    assert (await proposal(database, "UIO-0002")).status == "merged"
    assert (await proposal(database, "UIO-0003")).status == "received"

    code, out, _ = await cli(app, capsys, "list")
    assert out == f"UIO-C01     2 proposals     3 people 1/2 milestones  {TITLE}\n"
    code, out, _ = await cli(app, capsys, "show", "UIO-C01", "--lang", "en")
    assert out.startswith(f"UIO-C01 — {TITLE}\n\nProblem: UIO-0001: Los buses")
    assert "Source proposals: UIO-0001 (Merged), UIO-0002 (Merged)\nPeople behind it: 3\n" in out
    assert "Milestones:\n  1. Pantallas · due Mar 31, 2027 · done on November 21, 2026\n  2. Datos abiertos\n" in out


async def test_undo_split_and_edit_from_the_command_line(
    app: App, plan: list[Citizen], database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await cli(app, capsys, "draft", "--from", "UIO-0003", "--title", "Paradas seguras"))[1] == "UIO-C02\n"
    _, _, err = await cli(app, capsys, "split", "UIO-0001", "--into", "UIO-C02")
    assert err.startswith("cocrea: UIO-0001 is now also part of UIO-C02; 1 message"), "603 heard of C02 already"
    _, _, err = await cli(app, capsys, "undo", "UIO-C01", "--proposal", "UIO-0002")
    assert err.startswith("cocrea: UIO-0002 is no longer part of UIO-C01; 1 correction")
    assert (await proposal(database, "UIO-0002")).status == "received"
    _, _, err = await cli(
        app,
        capsys,
        "edit",
        "UIO-C01",
        "--lead",
        "Secretaría de Movilidad",
        "--ogp-values",
        "transparency,accountability",
        "--start",
        "2027-01-01",
        "--ends-on",
        "2027-12-31",
    )
    assert err == "cocrea: UIO-C01 changed: lead_institution, ogp_values, starts_on, ends_on\n"
    _, _, err = await cli(app, capsys, "edit", "UIO-C01", "--answer", "Se ejecuta con la Secretaría de Movilidad.")
    assert (
        err
        == "cocrea: UIO-C01 changed: answer; 2 messages for their people (sent by the running bot from its outbox)\n"
    )
    with pytest.raises(CommitmentRefused, match="31/12/2027 is not a date: write it as YYYY-MM-DD"):
        await cli(app, capsys, "edit", "UIO-C01", "--end", "31/12/2027")


async def test_the_word_document_has_a_heading_and_a_template_table_per_commitment(
    app: App, plan: list[Citizen], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await cli(
        app,
        capsys,
        "edit",
        "UIO-C01",
        "--lead-institution",
        "Secretaría de Movilidad",
        "--long-term-goal",
        "Transporte confiable",
    )
    output = tmp_path / "compromisos.docx"
    code, _, err = await cli(app, capsys, "export", "--format", "docx", "--output", str(output))
    assert (code, err) == (0, f"cocrea: exported 1 commitment to {output}\n")

    document = Document(str(output))
    headings = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name.startswith(("Title", "Heading"))
    ]
    assert headings == [
        f"Compromisos del plan de acción: {app.consultation.name('es')}",
        f"UIO-C01 — {TITLE}",
        "Hitos",
    ]
    template, milestones = document.tables
    rows = {row.cells[0].text: row.cells[1].text for row in template.rows}
    assert list(rows)[:4] == [
        "Problema",
        "Situación actual",
        "Acción",
        "Cómo contribuye la acción a resolver el problema",
    ]
    assert rows["Problema"].startswith("UIO-0001: Los buses del corredor sur")
    assert rows["Objetivo a largo plazo"] == "Transporte confiable"
    assert rows["Valores de OGP"] == "Transparencia"
    assert rows["Área de política"] == "Movilidad Sostenible"
    assert rows["Institución responsable"] == "Secretaría de Movilidad", "confirmed: no longer flagged as a suggestion"
    assert rows["Propuestas de origen"] == "UIO-0001, UIO-0002"
    assert rows["Personas que lo respaldan"] == "3"
    assert [[cell.text for cell in row.cells] for row in milestones.rows] == [
        ["#", "Hito", "Fecha prevista", "Cumplido"],
        ["1", "Pantallas", "31 mar 2027", "21 de noviembre de 2026"],
        ["2", "Datos abiertos", "", ""],
    ]


async def test_the_spreadsheet_csv_json_and_markdown_have_one_entry_per_commitment(
    app: App, plan: list[Citizen], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await cli(app, capsys, "draft", "--from", "UIO-0003", "--title", "=Paradas seguras")
    paths = {f: tmp_path / f"compromisos.{f}" for f in ("xlsx", "csv", "json", "md")}
    for fmt, path in paths.items():
        assert (await cli(app, capsys, "export", "--format", fmt, "--output", str(path), "--lang", "en"))[0] == 0

    sheet = load_workbook(paths["xlsx"]).worksheets[0]
    assert isinstance(sheet, Worksheet) and sheet.title == "Commitments"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Code", "Commitment", "Problem"] and rows[0][-3:] == [
        "Milestones",
        "Source proposals",
        "People behind it",
    ]
    assert rows[1][0] == "UIO-C01" and rows[1][-2:] == ["UIO-0001, UIO-0002", 3]
    assert rows[2][:2] == ["UIO-C02", "=Paradas seguras"] and sheet.cell(row=3, column=2).data_type == "s", (
        "never a formula"
    )

    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["code"], r["sources"], r["people"], r["ogp_values"]) for r in table] == [
        ("UIO-C01", "UIO-0001, UIO-0002", "3", "Transparency"),
        ("UIO-C02", "UIO-0003", "1", "Transparency"),
    ]
    assert table[1]["title"] == "'=Paradas seguras", "neutralised for spreadsheets"

    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data[0]["ogp_values"] == ["transparency"] and data[0]["sources"] == ["UIO-0001", "UIO-0002"]
    assert data[0]["milestones"][0] == {
        "number": 1,
        "title": "Pantallas",
        "due_on": "2027-03-31",
        "done_at": "2026-11-21T15:30:00+00:00",
    }

    markdown = paths["md"].read_text(encoding="utf-8")
    assert f"\n## UIO-C01 — {TITLE}\n" in markdown and "\n## UIO-C02 — =Paradas seguras\n" in markdown
    assert "| **Source proposals** | UIO-0001, UIO-0002 |" in markdown
    assert "- [x] 1. Pantallas · due Mar 31, 2027" in markdown


# --- operator mistakes, through the real entry point ------------------------------------------------


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    path = tmp_path / "cocrea.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))

    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = main(["commitments", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["draft", "--from", "UIO-0099", "--title", "Buses"], "cocrea: There is no proposal UIO-0099.\n"),
        (["draft", "--from", ",", "--title", "Buses"], "cocrea: Name at least one proposal by its code.\n"),
        (["show", "UIO-C09"], "cocrea: There is no commitment UIO-C09.\n"),
        (["progress", "UIO-C01", "--note", "x"], "cocrea: There is no commitment UIO-C01.\n"),
        (["edit", "UIO-C01"], "cocrea: say what to change: --title, --problem,"),
        (["show", "UIO-C01", "--lang", "fr"], "cocrea: Unknown language fr."),
    ],
)
def test_an_operator_mistake_is_one_line(run: Callable[..., tuple[int, str, str]], argv: list[str], error: str) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(error) and err.count("\n") == 1


def test_an_unknown_format_is_refused_by_the_parser(run: Callable[..., tuple[int, str, str]]) -> None:
    with pytest.raises(SystemExit) as stopped:
        run("export", "--format", "pdf")
    assert stopped.value.code == 2


def test_an_empty_plan_says_how_to_begin(run: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    assert run("list")[1].startswith("no commitments yet: cocrea commitments draft --from")
    code, _, err = run("export", "--format", "md", "--output", str(tmp_path / "plan.md"))
    assert code == 0 and "exported 0 commitments" in err
    assert "Todavía no hay compromisos." in (tmp_path / "plan.md").read_text(encoding="utf-8")
