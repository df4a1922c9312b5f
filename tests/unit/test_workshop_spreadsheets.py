"""On the server: ``cocrea workshops add|list|template|import``, run in-process on a real SQLite file."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.cli.main import main
from storage.database import open_database
from storage.models import Proposal, WorkshopOrigin
from storage.uow import UnitOfWork
from tests.conftest import migrate

Run = Callable[..., tuple[int, str, str]]

PROBLEM = "Los buses del corredor sur no publican horarios en las paradas desde 2023."
SOLUTION = "Publicar horarios en tiempo real en cada parada y en datos abiertos."
CONTRIBUTION = "Menos espera y más control ciudadano."


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cocrea.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("USER", "ana")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))  # the bot's database exists: workshops go into it
    return path


@pytest.fixture
def run(database_file: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


@pytest.fixture
def workshop(run: Run) -> str:
    code, out, _ = run(*shlex.split(ADD_CALDERON))
    assert code == 0
    return out.strip()


ADD_CALDERON = (
    'workshops add --name "Taller Calderón" --date 2026-11-21 --zone calderon --tables 3 --table-axis 2=4 '
    '--place "Casa comunal"'
)


def stored(database_file: Path) -> list[tuple[Proposal, WorkshopOrigin]]:
    async def read() -> list[tuple[Proposal, WorkshopOrigin]]:
        database = open_database(f"sqlite+aiosqlite:///{database_file}")
        try:
            async with UnitOfWork(database) as uow:
                return list(await uow.workshops.proposals_of(1))
        finally:
            await database.dispose()

    return asyncio.run(read())


def proposals_sheet(path: Path) -> Worksheet:
    sheet = load_workbook(path).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


# --- workshops are data ----------------------------------------------------------------------------


def test_workshops_are_added_and_listed(run: Run, workshop: str) -> None:
    assert workshop == "W1", "the id is printed, alone, for scripts"
    assert (
        run(
            "workshops",
            "add",
            "--name",
            "Taller Quitumbe",
            "--date",
            "2026-11-28",
            "--zone",
            "quitumbe",
            "--one-table-per-axis",
        )[1]
        == "W2\n"
    )
    listing = run("workshops", "list")[1].splitlines()
    assert [line.split()[:4] for line in listing] == [
        ["W1", "2026-11-21", "calderon", "3"],
        ["W2", "2026-11-28", "quitumbe", "6"],
    ]
    assert listing[0].endswith("Taller Calderón (Casa comunal)")
    audit = run("audit")[1]
    assert "workshop.add  W1" in audit and '"tables": 3' in audit


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--date", "2026-11-31", "--zone", "calderon"], "cocrea: 2026-11-31 is not a date: write it as YYYY-MM-DD.\n"),
        (["--date", "2026-11-21", "--zone", "guayaquil"], "cocrea: Unknown zone guayaquil. Zones: calderon,"),
        (["--date", "2026-11-21"], "cocrea: Give the workshop's zone. Zones: calderon,"),
        (
            ["--date", "2026-11-21", "--zone", "calderon", "--tables", "0"],
            "cocrea: A workshop has from 1 to 50 tables.",
        ),
        (["--date", "2026-11-21", "--zone", "calderon", "--table-axis", "4=1"], "cocrea: There is no table 4"),
        (
            ["--date", "2026-11-21", "--zone", "calderon", "--tables", "2", "--table-axis", "2=9"],
            "cocrea: Unknown axis 9.",
        ),
        (["--date", "2026-11-21", "--zone", "calderon", "--table-axis", "dos"], "cocrea: --table-axis expects N=AXIS"),
        (
            ["--date", "2026-11-21", "--zone", "calderon", "--tables", "3", "--one-table-per-axis"],
            "cocrea: --one-table",
        ),
    ],
)
def test_a_bad_workshop_is_refused_in_one_line(run: Run, argv: list[str], error: str) -> None:
    code, out, err = run("workshops", "add", "--name", "Taller", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(error) and err.count("\n") == 1
    assert run("workshops", "list")[1].startswith("no workshops yet")


# --- the template ----------------------------------------------------------------------------------


def test_the_template_opens_with_openpyxl_and_has_the_validations(run: Run, workshop: str, tmp_path: Path) -> None:
    path = tmp_path / "mesa.xlsx"
    assert run("workshops", "template", "--output", str(path), "--workshop", workshop, "--rows", "50")[0] == 0

    book = load_workbook(path)
    assert book.sheetnames == ["Propuestas", "Ejes y pilares"]
    sheet = proposals_sheet(path)
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "Referencia",
        "Mesa",
        "Eje temático",
        "Pilar de gobierno abierto",
        "Problema",
        "Solución propuesta",
        "Cómo ayudaría",
        "Personas que la respaldan",
    ]
    notes = {cell.value: cell.comment.text for cell in sheet[1] if cell.comment is not None}
    assert set(notes) == set(header), "every column explains its field"
    assert "Describe el problema" in notes["Problema"] and "(entre 20 y 1200 caracteres)" in notes["Problema"]
    assert "No la cambies" in notes["Referencia"] and "Opcional" in notes["Personas que la respaldan"]
    references = [sheet.cell(row, 1).value for row in range(2, 52)]
    assert len(set(references)) == 50 and all(
        isinstance(r, str) and r.endswith(f"-{n:03d}") for n, r in enumerate(references, start=1)
    )

    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert (rules["B2:B51"].type, rules["B2:B51"].formula1) == ("list", '"1,2,3"'), "the workshop's tables"
    guide = book["Ejes y pilares"]
    for column, labels in (
        (
            "C2:C51",
            [
                "Hábitat, Seguridad y Convivencia Ciudadana",
                "Trabajo, Economía, Producción, Emprendimiento e Innovación",
                "Bienestar, Derechos y Protección Social",
                "Movilidad Sostenible",
                "Territorio Intercultural y Ecológico",
                "Gestión Metropolitana",
            ],
        ),
        (
            "D2:D51",
            [
                "Transparencia y acceso a la información pública",
                "Participación ciudadana",
                "Rendición de cuentas",
                "Integridad",
            ],
        ),
    ):
        rule = rules[column]
        assert rule.type == "list" and rule.formula1 is not None and rule.showErrorMessage
        sheet_name, cells = rule.formula1.rsplit("!", 1)
        assert sheet_name == "'Ejes y pilares'"
        listed = [cell.value for (cell,) in guide[cells.replace("$", "")]]
        assert listed == labels, "the drop-down lists the consultation's options, as the guide explains them"
    assert [(rules[c].type, rules[c].formula1, rules[c].formula2) for c in ("E2:E51", "F2:F51", "G2:G51")] == [
        ("textLength", "20", "1200"),
        ("textLength", "20", "1200"),
        ("textLength", "10", "800"),
    ], "the bounds the step table declares"
    assert (rules["H2:H51"].type, rules["H2:H51"].formula1, rules["H2:H51"].formula2) == ("whole", "1", "500")
    explained = {row[0]: row[1] for row in guide.iter_rows(values_only=True) if row[0]}
    assert str(explained["Movilidad Sostenible"]).startswith("Transporte público"), "each axis is explained"
    assert explained["W1 · Taller Calderón · 2026-11-21"] is None
    assert (explained["Mesa 1"], explained["Mesa 2"]) == ("cualquier eje", "Movilidad Sostenible")


def test_the_template_in_english_and_without_a_workshop(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    assert run("workshops", "template", "--output", str(path), "--lang", "en")[0] == 0
    sheet = proposals_sheet(path)
    assert [cell.value for cell in sheet[1]][:5] == [
        "Reference",
        "Table",
        "Thematic axis",
        "Open-government pillar",
        "Problem",
    ]
    table_rule = next(r for r in sheet.data_validations.dataValidation if str(r.sqref).startswith("B2"))
    assert table_rule.formula1 == '"' + ",".join(str(n) for n in range(1, 21)) + '"'
    assert sheet.max_row == 201, "200 rows by default"
    other = tmp_path / "other.xlsx"
    run("workshops", "template", "--output", str(other), "--lang", "en")
    assert proposals_sheet(other)["A2"].value != sheet["A2"].value, "every file has references of its own"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--output", "mesa.csv"], "cocrea: the template is an Excel workbook: name it FILE.xlsx"),
        (["--output", "mesa.xlsx", "--lang", "fr"], "cocrea: Unknown language fr."),
        (["--output", "mesa.xlsx", "--workshop", "W7"], "cocrea: There is no workshop W7."),
        (["--output", "mesa.xlsx", "--rows", "0"], "cocrea: --rows must be between 1 and 5000"),
        (["--output", "no/such/folder/mesa.xlsx"], "cocrea: cannot write no/such/folder/mesa.xlsx"),
    ],
)
def test_a_bad_template_request_is_refused(run: Run, argv: list[str], error: str) -> None:
    code, _, err = run("workshops", "template", *argv)
    assert code == 2 and err.startswith(error)
    assert not Path("mesa.xlsx").exists()


# --- the import ------------------------------------------------------------------------------------

GOOD: list[tuple[object, ...]] = [
    (1, "Movilidad Sostenible", "Participación ciudadana", PROBLEM, SOLUTION, CONTRIBUTION, 12),
    (2, None, "integrity", PROBLEM, SOLUTION, CONTRIBUTION, None),  # table 2 works on axis 4
    (
        "3",
        "sustainable mobility",
        "Transparency and access to public information",
        PROBLEM,
        SOLUTION,
        CONTRIBUTION,
        "7",
    ),
]
BAD: list[tuple[object, ...]] = [
    (1, "Salud", "Participación ciudadana", PROBLEM, SOLUTION, CONTRIBUTION, 3),
    (1, "4", "Apertura", PROBLEM, SOLUTION, CONTRIBUTION, 3),
    (9, "4", "integrity", PROBLEM, SOLUTION, CONTRIBUTION, 3),
    (None, "4", "integrity", PROBLEM, SOLUTION, CONTRIBUTION, 3),
    (1, "4", "integrity", None, SOLUTION, CONTRIBUTION, 3),
    (1, "4", "integrity", "Muy corto.", SOLUTION, CONTRIBUTION, 3),
    (1, "4", "integrity", PROBLEM, "x" * 1201, CONTRIBUTION, 3),
    (1, "4", "integrity", PROBLEM, SOLUTION, CONTRIBUTION, "muchos"),
]
REASONS = [
    "unknown axis 'Salud'",
    "unknown pillar 'Apertura'",
    "no table '9' in this workshop (tables 1 to 3)",
    "table is empty",
    "problem is empty",
    "problem is too short: 10 characters, at least 20",
    "solution is too long: 1201 characters, at most 1200",
    "backers must be a whole number from 1 to 500",
]


def fill(path: Path, rows: list[tuple[object, ...]], *, start: int = 2) -> None:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for number, row in enumerate(rows, start=start):
        for column, value in enumerate(row, start=2):
            sheet.cell(number, column).value = value
    book.save(path)


def test_an_import_with_good_and_bad_rows_then_the_same_file_again(
    run: Run, workshop: str, tmp_path: Path, database_file: Path
) -> None:
    path = tmp_path / "mesa.xlsx"
    run("workshops", "template", "--output", str(path), "--workshop", workshop)
    fill(path, GOOD + BAD)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(len(GOOD + BAD) + 2, 1, sheet.cell(2, 1).value)  # a copied row keeps its reference
    for column, value in enumerate(GOOD[0], start=2):
        sheet.cell(len(GOOD + BAD) + 2, column).value = value
    book.save(path)

    code, out, err = run("workshops", "import", str(path), "--workshop", "W1")

    assert code == 1, "rows were rejected"
    assert out.splitlines()[:4] == [
        "W1: imported 3; already imported 0; rejected 9",
        "  row 2: UIO-0001",
        "  row 3: UIO-0002",
        "  row 4: UIO-0003",
    ]
    rejected = err.splitlines()
    assert [line.split(": ", 1)[1] for line in rejected] == [
        *REASONS,
        f"the reference {sheet.cell(2, 1).value} is also on row 2",
    ]
    assert [line.split(" (")[0].strip() for line in rejected] == [f"row {n}" for n in range(5, 14)]
    saved = stored(database_file)
    assert [(p.code, p.axis_id, p.pillar_id, o.table_number, o.backers) for p, o in saved] == [
        ("UIO-0001", "4", "participation", 1, 12),
        ("UIO-0002", "4", "integrity", 2, None),
        ("UIO-0003", "4", "transparency", 3, 7),
    ]
    assert {(p.source, p.channel, p.participant_pseudonym, p.zone, o.entered_by) for p, o in saved} == {
        ("workshop", "spreadsheet", None, "calderon", "operator:cli-ana")
    }

    code, out, err = run("workshops", "import", str(path), "--workshop", "W1")

    assert out.startswith("W1: imported 0; already imported 3; rejected 9"), "nothing is imported twice"
    assert code == 1 and len(err.splitlines()) == 9
    assert len(stored(database_file)) == 3
    fill(path, [(None,) * 7] * (len(BAD) + 1), start=len(GOOD) + 2)  # the secretary clears the bad rows
    assert run("workshops", "import", str(path), "--workshop", "W1")[:2] == (
        0,
        "W1: imported 0; already imported 3; rejected 0\n",
    )
    assert "workshop.import W1" in run("audit")[1]


def test_a_csv_with_english_headings_and_no_references(
    run: Run, workshop: str, tmp_path: Path, database_file: Path
) -> None:
    path = tmp_path / "mesa.csv"
    path.write_text(
        "Table;Thematic axis;pillar;Problem;Proposed solution;How it would help;People who back it\n"
        f"1;Hábitat, Seguridad y Convivencia Ciudadana;integrity;{PROBLEM};{SOLUTION};{CONTRIBUTION};4\n"
        f'2;;participation;"{PROBLEM}\nEn dos líneas.";{SOLUTION};{CONTRIBUTION};\n'
        ";;;;;;\n",
        encoding="utf-8-sig",
    )
    assert run("workshops", "import", str(path), "--workshop", "W1", "--language", "es")[:2] == (
        0,
        "W1: imported 2; already imported 0; rejected 0\n  row 2: UIO-0001\n  row 3: UIO-0002\n",
    )
    assert [(p.axis_id, p.problem) for p, _ in stored(database_file)] == [
        ("1", PROBLEM),
        ("4", PROBLEM + "\nEn dos líneas."),
    ]
    again = run("workshops", "import", str(path), "--workshop", "W1")
    assert again[:2] == (0, "W1: imported 0; already imported 2; rejected 0\n"), "a reference made of the content"


def test_an_import_answers_to_the_facilitator_it_names(
    run: Run, workshop: str, tmp_path: Path, database_file: Path
) -> None:
    path = tmp_path / "mesa.csv"
    path.write_text(
        f"table,axis,pillar,problem,solution,contribution\n1,4,integrity,{PROBLEM},{SOLUTION},{CONTRIBUTION}\n"
    )
    assert run("workshops", "import", str(path), "--workshop", "W1", "--facilitator", "555")[0] == 2
    run("staff", "add", "555", "--role", "facilitator")
    assert run("workshops", "import", str(path), "--workshop", "W1", "--facilitator", "555")[0] == 0
    [(_, origin)] = stored(database_file)
    assert origin.staff_id == 1


@pytest.mark.parametrize(
    ("content", "argv", "error"),
    [
        ("table,axis,pillar,solution,contribution\n", [], "cocrea: mesa.csv has no column problem."),
        ("", [], "cocrea: mesa.csv is empty."),
        ("table,axis,pillar,problem,solution,contribution\n", ["--workshop", "W9"], "cocrea: There is no workshop W9."),
        ("table,axis,pillar,problem,solution,contribution\n", ["--language", "fr"], "cocrea: unknown --language fr"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused(
    run: Run, workshop: str, tmp_path: Path, content: str, argv: list[str], error: str
) -> None:
    path = tmp_path / "mesa.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run("workshops", "import", str(path), "--workshop", "W1", *argv)
    assert (code, out) == (2, "") and err.startswith(error)


def test_a_file_that_is_not_a_workbook_is_refused(run: Run, workshop: str, tmp_path: Path) -> None:
    path = tmp_path / "mesa.xlsx"
    path.write_bytes(b"not a zip")
    code, _, err = run("workshops", "import", str(path), "--workshop", "W1")
    assert code == 2 and err.startswith("cocrea: cannot read mesa.xlsx")
    missing = run("workshops", "import", str(tmp_path / "nada.csv"), "--workshop", "W1")
    assert missing[0] == 2 and missing[2].startswith("cocrea: cannot read nada.csv")
