"""Staff on the server: ``cocrea export``, ``stats``, ``staff`` and ``audit``, run in-process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.progress import ProgressBar, wanted
from handlers.intake.table import DEFAULT_STEPS
from handlers.staff.columns import staff_columns
from storage.database import open_database, upgrade
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


def test_staff_are_added_listed_and_removed_and_every_change_is_audited(run: Run, database_file: Path) -> None:
    seed(database_file)
    assert run("staff", "list")[1].startswith("no staff members yet")
    code, out, _ = run("staff", "add", "123456789", "--role", "analyst")
    assert (code, out) == (0, "cocrea: telegram:123456789 is now analyst (staff-1)\n")
    run("staff", "add", "123456789", "--role", "admin")
    run("staff", "add", "555", "--role", "moderator")
    listing = run("staff", "list")[1].splitlines()
    assert [line.split()[:3] for line in listing] == [
        ["staff-1", "telegram:123456789", "admin"],
        ["staff-2", "telegram:555", "moderator"],
    ]
    assert run("staff", "remove", "555")[:2] == (0, "cocrea: telegram:555 removed from the staff\n")
    log = run("audit")[1].splitlines()
    assert [line.split()[1:4] for line in log] == [
        ["operator:cli-ana", "staff.add", "staff-1"],
        ["operator:cli-ana", "staff.add", "staff-1"],
        ["operator:cli-ana", "staff.add", "staff-2"],
        ["operator:cli-ana", "staff.remove", "staff-2"],
    ]
    assert '{"role": "admin"}' in log[1]
    assert len(run("audit", "--limit", "2")[1].splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("staff", "add", "@ana", "--role", "analyst"), "cocrea: a Telegram user id is a positive number, got @ana"),
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
        (("export", "--format", "json", "--excel"), "cocrea: --excel only applies to --format csv"),
        (("export", "--decidim-category", "4=17"), "cocrea: --decidim-category only applies to --format decidim"),
        (("staff", "add", "0", "--role", "analyst"), "cocrea: a Telegram user id is a positive number, got 0"),
        (("audit", "--limit", "0"), "cocrea: --limit is how many entries to show: at least 1, got 0"),
        (("stats", "--chart", "x.jpg"), "cocrea: --chart draws a PNG image: name the file with .png, not x.jpg"),
        (("history", "--output", "/no/such/dir/h.csv"), "cocrea: cannot write /no/such/dir/h.csv"),
        (("db", "downgrade", "zzz"), "cocrea: cannot downgrade to 'zzz'"),
        (("questions", "answer", "99", "Hola"), "cocrea: There is no open question 99."),
    ],
)
def test_a_mistake_is_one_line_and_exit_status_2(
    database_file: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], error: str
) -> None:
    seed(database_file)  # the database exists: the mistake is in the command
    try:
        code = main(list(argv))
    except SystemExit as usage_error:  # argparse's own checks (choices) exit directly
        code = int(usage_error.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(error) and err.count("\n") == 1, err


def test_a_command_on_a_database_that_does_not_exist_refuses_and_creates_nothing(run: Run, database_file: Path) -> None:
    for argv in (("export",), ("stats",), ("answers", "import", "x.csv"), ("audit",), ("questions",)):
        code, _, err = run(*argv)
        assert (code, err) == (
            2,
            f"cocrea: no database at {database_file} (COCREA_DATABASE_URL): run the bot "
            "there first, or point COCREA_DATABASE_URL at the bot's database\n",
        )
    assert not database_file.exists() and not list(database_file.parent.glob("*.db*"))


@pytest.mark.parametrize(
    ("environment", "error"),
    [
        ({"COCREA_LOG_LEVEL": "LOUD"}, "cocrea: COCREA_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        (
            {"COCREA_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"},
            "cocrea: cannot use the database (COCREA_DATABASE_URL): ",
        ),
    ],
)
def test_a_wrong_setting_or_an_absent_server_is_one_line(
    database_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    error: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(error) and err.count("\n") == 1, err


def test_excel_into_a_terminal_is_refused(run: Run, database_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(database_file, "UIO-0001")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, err = run("export", "--format", "xlsx")
    assert (code, out) == (2, "") and err == "cocrea: an Excel file is binary: give it a file with --output PATH.xlsx\n"


def test_counts_are_said_in_the_singular_and_the_plural(run: Run, database_file: Path, tmp_path: Path) -> None:
    seed(database_file, "UIO-0001")
    assert (
        run("export", "--output", str(tmp_path / "one.csv"))[2]
        == f"cocrea: exported 1 proposal to {tmp_path / 'one.csv'}\n"
    )
    seed(database_file, "UIO-0002")
    assert run("export", "--output", str(tmp_path / "two.csv"))[2].startswith("cocrea: exported 2 proposals")


def test_exports_and_statistics_keep_to_the_configured_consultation_unless_told(run: Run, database_file: Path) -> None:
    seed(database_file, "UIO-0001", axis_id="4")
    seed(database_file, "CUE-0001", consultation="cuenca-2022", axis_id="settlements", pillar_id="transparency")
    by_default = list(csv.DictReader(io.StringIO(run("export")[1].lstrip("\ufeff"))))
    assert [(r["code"], r["axis"]) for r in by_default] == [("UIO-0001", "Movilidad Sostenible")]
    cuenca = list(csv.DictReader(io.StringIO(run("export", "--consultation", "cuenca-2022")[1].lstrip("\ufeff"))))
    assert [(r["code"], r["axis"]) for r in cuenca] == [("CUE-0001", "Asentamientos humanos y movilidad")]
    mixed = list(csv.DictReader(io.StringIO(run("export", "--consultation", "all")[1].lstrip("\ufeff"))))
    assert {r["code"]: r["axis"] for r in mixed} == {
        "UIO-0001": "Movilidad Sostenible",
        "CUE-0001": "Asentamientos humanos y movilidad",
    }, "each row's own labels"
    assert "Propuestas: 1" in run("stats")[1] and "Propuestas: 2" in run("stats", "--consultation", "all")[1]
    code, _, err = run("export", "--consultation", "bogota")
    assert code == 2 and err.startswith("cocrea: Unknown consultation bogota. Consultations: quito-2024, ")


def test_an_invitation_is_printed_with_the_way_to_use_it(run: Run, database_file: Path) -> None:
    seed(database_file)
    code, out, _ = run("staff", "invite", "--role", "moderator")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("code: ") and "(role moderator, valid once, until 2026-" in lines[0]
    invitation = lines[0].split()[1]
    assert lines[1] == f"the person opens the link, or sends /staff {invitation} to the bot"
    assert "staff.invite" in run("audit")[1]


def test_export_to_a_file_in_every_format_is_audited(run: Run, database_file: Path, tmp_path: Path) -> None:
    seed(database_file, "UIO-0001", "UIO-0002", problem='=1+1 y "comillas"\nen dos líneas 🚌')
    for fmt, name in (
        ("csv", "p.csv"),
        ("xlsx", "p.xlsx"),
        ("json", "p.json"),
        ("jsonl", "p.jsonl"),
        ("decidim", "d.csv"),
    ):
        code, _, err = run("export", "--format", fmt, "--output", str(tmp_path / name))
        assert (code, err) == (0, f"cocrea: exported 2 proposals to {tmp_path / name}\n")
    rows = list(csv.reader(io.StringIO((tmp_path / "p.csv").read_text("utf-8-sig"), newline="")))
    assert rows[0] == list(staff_columns(DEFAULT_STEPS)) and rows[1][7] == '\'=1+1 y "comillas"\nen dos líneas 🚌'
    assert [json.loads(line)["code"] for line in (tmp_path / "p.jsonl").read_text().splitlines()] == [
        "UIO-0001",
        "UIO-0002",
    ]
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
