"""Staff on the server: ``cocrea export``, ``stats``, ``staff`` and ``audit``, run in-process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.progress import ProgressBar, wanted
from storage.database import open_database, upgrade
from storage.export import COLUMNS
from tests.seed import proposal

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cocrea.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("USER", "ana")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)
    return path


@pytest.fixture
def run(database_file: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


def seed(database_file: Path, *codes: str, **values: object) -> None:
    async def go() -> None:
        database = open_database(f"sqlite+aiosqlite:///{database_file}")
        await upgrade(database)
        for code in codes:
            await proposal(database, code, **values)  # type: ignore[arg-type]
        await database.dispose()

    asyncio.run(go())


def test_staff_are_added_listed_and_removed_and_every_change_is_audited(run: Run) -> None:
    assert run("staff", "list")[1].startswith("no staff members yet")
    code, out, _ = run("staff", "add", "123456789", "--role", "analyst")
    assert (code, out) == (0, "cocrea: telegram:123456789 is now analyst\n")
    run("staff", "add", "123456789", "--role", "admin")
    run("staff", "add", "555", "--role", "moderator")
    listing = run("staff", "list")[1].splitlines()
    assert [line.split()[:2] for line in listing] == [["telegram:123456789", "admin"], ["telegram:555", "moderator"]]
    assert run("staff", "remove", "555")[:2] == (0, "cocrea: telegram:555 removed from the staff\n")
    log = run("audit")[1].splitlines()
    assert [line.split()[1:4] for line in log] == [
        ["cli:ana", "staff.add", "telegram:123456789"], ["cli:ana", "staff.add", "telegram:123456789"],
        ["cli:ana", "staff.add", "telegram:555"], ["cli:ana", "staff.remove", "telegram:555"]]
    assert '{"role": "admin"}' in log[1]
    assert len(run("audit", "--limit", "2")[1].splitlines()) == 2


@pytest.mark.parametrize(("argv", "error"), [
    (("staff", "add", "@ana", "--role", "analyst"), "cocrea: a Telegram user id is a number, got @ana"),
    (("staff", "add", "123", "--role", "boss"), "cocrea: argument --role: invalid choice: 'boss'"),
    (("staff", "remove", "999"), "cocrea: telegram:999 is not on the staff"),
    (("export", "--axis", "9"), "cocrea: Unknown axis 9. Axes: 1, 2, 3, 4, 5, 6."),
    (("export", "--since", "2026-02-30"), "cocrea: 2026-02-30 is not a date: write it as YYYY-MM-DD."),
    (("export", "--since", "2026-11-21", "--until", "2026-11-01"), "cocrea: The start date 2026-11-21 is after"),
    (("export", "--status", "approved"), "cocrea: Unknown status approved."),
    (("export", "--lang", "fr"), "cocrea: Unknown language fr."),
    (("export", "--format", "pdf"), "cocrea: argument --format: invalid choice: 'pdf'"),
    (("export", "--format", "decidim", "--decidim-category", "4:17"), "cocrea: --decidim-category expects AXIS=ID"),
    (("export", "--output", "/no/such/folder/x.csv"), "cocrea: cannot write /no/such/folder/x.csv"),
    (("stats", "--zone", "guayaquil"), "cocrea: Unknown zone guayaquil."),
])
def test_a_mistake_is_one_line_and_exit_status_2(
    database_file: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], error: str
) -> None:
    try:
        code = main(list(argv))
    except SystemExit as usage_error:  # argparse's own checks (choices) exit directly
        code = int(usage_error.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(error) and err.count("\n") == 1, err


def test_export_to_a_file_in_every_format_is_audited(run: Run, database_file: Path, tmp_path: Path) -> None:
    seed(database_file, "UIO-0001", "UIO-0002", problem="=1+1 y \"comillas\"\nen dos líneas 🚌")
    for fmt, name in (("csv", "p.csv"), ("xlsx", "p.xlsx"), ("json", "p.json"), ("jsonl", "p.jsonl"),
                      ("decidim", "d.csv")):
        code, _, err = run("export", "--format", fmt, "--output", str(tmp_path / name))
        assert (code, err) == (0, f"cocrea: exported 2 proposals to {tmp_path / name}\n")
    rows = list(csv.reader(io.StringIO((tmp_path / "p.csv").read_text("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS) and rows[1][7] == "'=1+1 y \"comillas\"\nen dos líneas 🚌"
    assert [json.loads(line)["code"] for line in (tmp_path / "p.jsonl").read_text().splitlines()] == [
        "UIO-0001", "UIO-0002"]
    assert not list(tmp_path.glob("*.part")), "no half-written file is left behind"
    log = run("audit")[1].splitlines()
    assert [line.split()[2] for line in log] == ["export"] * 5
    assert '"format": "decidim"' in log[-1] and '"rows": 2' in log[-1] and '"shape": "public"' in log[-1]


def test_export_to_standard_output_with_excel_separator_and_filters(
    database_file: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    seed(database_file, "UIO-0001", axis_id="1")
    seed(database_file, "UIO-0002", axis_id="4", status="accepted")
    code = main(["export", "--excel", "--axis", "4", "--status", "accepted,received", "--lang", "en"])
    out = capsysbinary.readouterr().out
    assert code == 0 and out.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [(row[0], row[4]) for row in rows[1:]] == [("UIO-0002", "Sustainable Mobility")]


def test_public_export_leaves_the_person_out(run: Run, database_file: Path, tmp_path: Path) -> None:
    seed(database_file, "UIO-0001", pseudonym="vecino-7f3a", telegram_id="770001")
    run("export", "--public", "--format", "json", "--output", str(tmp_path / "public.json"))
    text = (tmp_path / "public.json").read_text("utf-8")
    assert "vecino-7f3a" not in text and "770001" not in text and "Quitumbe" not in text
    assert json.loads(text)[0]["code"] == "UIO-0001"


def test_stats_prints_the_counts_and_draws_the_chart(run: Run, database_file: Path, tmp_path: Path) -> None:
    seed(database_file, "UIO-0001", "UIO-0002")
    code, out, err = run("stats", "--lang", "en", "--chart", str(tmp_path / "stats.png"))
    assert code == 0 and out.startswith("Proposals: 2\n") and "Sustainable Mobility: 2" in out
    assert (tmp_path / "stats.png").read_bytes().startswith(b"\x89PNG")
    assert err == f"cocrea: chart written to {tmp_path / 'stats.png'}\n"
    assert run("audit")[1].split()[2] == "stats"


def test_the_progress_bar_is_only_for_a_person_watching(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    assert wanted(Terminal(), writing_to_stdout=False)
    assert not wanted(Terminal(), writing_to_stdout=True), "the export goes to a pipe or the screen"
    assert not wanted(io.StringIO(), writing_to_stdout=False), "standard error is not a terminal"
    monkeypatch.setenv("CI", "true")
    assert not wanted(Terminal(), writing_to_stdout=False), "not in CI"
    screen = Terminal()
    bar = ProgressBar(2000, screen)
    bar(1000)
    bar(2000)
    bar.close()
    assert "2,000/2,000 rows" in screen.getvalue() and screen.getvalue().endswith("\n")


def test_an_export_that_cannot_be_written_is_not_logged_as_one(run: Run, database_file: Path) -> None:
    seed(database_file, "UIO-0001")
    code, _, err = run("export", "--output", "/no/such/folder/x.csv")
    assert code == 2 and err.startswith("cocrea: cannot write /no/such/folder/x.csv")
    assert run("audit")[1] == ""
