"""Staff take the proposals out of the bot in the shapes their consolidation work uses (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from config.consultation import Consultation
from handlers.i18n import Catalogs
from handlers.intake.table import DEFAULT_STEPS
from handlers.services import Services
from handlers.staff.columns import public_columns, staff_columns, titles
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest, RequestError, build_filter
from storage.database import Database
from storage.export import ExportFilter
from storage.export_xlsx import EXCEL_MAX_CELL_CHARS
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.seed import QUITO, SUBMITTED, proposal

COLUMNS = staff_columns(DEFAULT_STEPS)
PUBLIC_COLUMNS = public_columns(DEFAULT_STEPS)
TRICKY = {
    '=HYPERLINK("http://evil.example","clic")': '\'=HYPERLINK("http://evil.example","clic")',
    "+593 99 123 4567 es mi número": "'+593 99 123 4567 es mi número",
    "-1 para el presupuesto": "'-1 para el presupuesto",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\tTabulado al inicio": "'\tTabulado al inicio",
    "\rRetorno al inicio": "'\rRetorno al inicio",
}
MULTILINE = 'Primera línea, con "comillas" y; punto y coma\nSegunda línea 🚌🚲 con emoji'
LONG = "Árbol " * 7000  # 42,000 characters: more than an Excel cell holds


async def export(database: Database, quito: Consultation, catalogs: Catalogs, **request: Any) -> bytes:
    out = io.BytesIO()
    max_sheet_rows = request.pop("max_sheet_rows", None)
    extra = {"max_sheet_rows": max_sheet_rows} if max_sheet_rows else {}
    services = Services(UnitOfWorkFactory(database), quito, catalogs)
    async with services.uow() as uow:
        await write_export(uow, services, ExportRequest(**request), out, **extra)
    return out.getvalue()


def csv_rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, so that Excel reads accents"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def xlsx_header(catalogs: Catalogs, language: str = "es") -> list[str]:
    """Excel is read by people: the same columns, titled in the export's language."""
    return [titles(catalogs.get(language))[column] for column in COLUMNS]


def xlsx_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


async def test_every_format_has_the_same_columns_in_the_same_order(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(any_database, "UIO-0001")
    assert csv_rows(await export(any_database, quito, catalogs, format="csv"))[0] == list(COLUMNS)
    assert xlsx_sheets(await export(any_database, quito, catalogs, format="xlsx"))["proposals"][0] == xlsx_header(
        catalogs
    )
    [as_json] = json.loads(await export(any_database, quito, catalogs, format="json"))
    assert list(as_json) == list(COLUMNS)
    [line] = (await export(any_database, quito, catalogs, format="jsonl")).decode().splitlines()
    assert list(json.loads(line)) == list(COLUMNS)


async def test_a_staff_row_carries_labels_in_the_chosen_language_and_a_pseudonym(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(
        any_database,
        "UIO-0001",
        telegram_id="770001",
        pseudonym="vecino-7f3a",
        follow_ups=3,
        attachments=["photo-1", "photo-2"],
        status="accepted",
        status_reason="Se incluye en el compromiso 3",
        answered_at=SUBMITTED + timedelta(days=2),
    )
    [row] = json.loads(await export(any_database, quito, catalogs, format="json", lang="en"))
    assert row == {
        "code": "UIO-0001",
        "submitted_at": "2026-11-20T09:15:00-05:00",
        "consultation": "quito-2024",
        "axis_id": "4",
        "axis": "Sustainable Mobility",
        "pillar_id": "transparency",
        "pillar": "Transparency and access to public information",
        "problem": "Los buses del corredor sur no publican horarios en las paradas.",
        "solution": "Publicar horarios en tiempo real en cada parada.",
        "contribution": "Menos espera para todos.",
        "zone": "Quitumbe",
        "sector": "Academia",
        "age_range": "30 to 44",
        "language": "es",
        "channel": "telegram",
        "source": "chat",
        "workshop_id": None,
        "workshop": None,
        "table": None,
        "backers": None,
        "supporters": 0,
        "status": "accepted",
        "status_reason": "Se incluye en el compromiso 3",
        "answered_at": "2026-11-22T09:15:00-05:00",
        "follow_up_count": 3,
        "attachment_count": 2,
        "participant": "vecino-7f3a",
    }
    for data in [await export(any_database, quito, catalogs, format=f) for f in ("csv", "xlsx", "json", "jsonl")]:
        assert b"770001" not in data, "never a Telegram id"


async def test_csv_neutralises_formulas_and_keeps_newlines_quotes_and_emoji(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    for n, dangerous in enumerate(TRICKY, 1):
        await proposal(any_database, f"UIO-{n:04}", problem=dangerous, solution=MULTILINE, status_reason=dangerous)
    for delimiter, excel in ((",", False), (";", True)):
        rows = csv_rows(await export(any_database, quito, catalogs, format="csv", excel=excel), delimiter)
        body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        assert [row["problem"] for row in body] == list(TRICKY.values())
        assert [row["status_reason"] for row in body] == list(TRICKY.values())
        assert {row["solution"] for row in body} == {MULTILINE}
        assert {row["submitted_at"][:1] for row in body} == {"2"}, "dates and counts are left alone"


async def test_xlsx_has_a_frozen_filterable_header_wrapped_texts_and_no_formulas(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    for n, dangerous in enumerate(TRICKY, 1):
        await proposal(any_database, f"UIO-{n:04}", problem=dangerous, solution=MULTILINE, contribution=LONG)
    book = load_workbook(io.BytesIO(await export(any_database, quito, catalogs, format="xlsx")))
    sheet = book["proposals"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AA7"
    assert sheet["A1"].font.b
    problem, solution, contribution = (COLUMNS.index(c) + 1 for c in ("problem", "solution", "contribution"))
    cells = list(sheet.iter_rows(min_row=2))
    as_excel_shows_them = [text.replace("\r", "\n") for text in TRICKY]  # Excel's line break in a cell is \n
    assert [row[problem - 1].value for row in cells] == as_excel_shows_them, "as written: no ' in front"
    assert all(row[problem - 1].data_type == "s" for row in cells), "text, never a formula"
    assert cells[0][solution - 1].value == MULTILINE and cells[0][solution - 1].alignment.wrap_text
    assert len(cells[0][contribution - 1].value) == EXCEL_MAX_CELL_CHARS
    assert cells[0][contribution - 1].value.endswith("…")
    assert int(sheet.column_dimensions["H"].width) == 60, "problem gets a wide column (60 characters)"


async def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    for n in range(1, 6):
        await proposal(any_database, f"UIO-{n:04}")
    sheets = xlsx_sheets(await export(any_database, quito, catalogs, format="xlsx", max_sheet_rows=3))
    assert list(sheets) == ["proposals", "proposals 2", "proposals 3"]
    assert all(rows[0] == xlsx_header(catalogs) for rows in sheets.values()), "each sheet repeats the header"
    assert [[row[0] for row in rows[1:]] for rows in sheets.values()] == [
        ["UIO-0001", "UIO-0002"],
        ["UIO-0003", "UIO-0004"],
        ["UIO-0005"],
    ]
    book = load_workbook(io.BytesIO(await export(any_database, quito, catalogs, format="xlsx", max_sheet_rows=3)))
    assert book["proposals 3"].freeze_panes == "A2" and book["proposals 3"].auto_filter.ref == "A1:AA2"


async def test_xlsx_speaks_the_language_it_is_asked_in(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(any_database, "UIO-0001", status="not_adopted", status_reason="Ya existe un plan.")
    for language, status, heading in (("es", "No adoptada", "Estado"), ("en", "Not adopted", "Status")):
        [header, row] = xlsx_sheets(await export(any_database, quito, catalogs, format="xlsx", lang=language))[
            "proposals"
        ]
        assert header == xlsx_header(catalogs, language) and heading in header
        assert row[header.index(heading)] == status
    [csv_header, csv_row] = csv_rows(await export(any_database, quito, catalogs, format="csv", lang="en"))
    assert csv_row[csv_header.index("status")] == "not_adopted", "CSV and JSON keep ids, for programs"


async def test_json_and_jsonl_keep_the_text_as_written(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(any_database, "UIO-0001", problem="=1+1 " + MULTILINE, contribution=LONG, zone=None)
    [row] = json.loads(await export(any_database, quito, catalogs, format="json"))
    assert row["problem"] == "=1+1 " + MULTILINE and row["contribution"] == LONG
    assert row["zone"] is None and row["status_reason"] is None and row["follow_up_count"] == 0
    lines = (await export(any_database, quito, catalogs, format="jsonl")).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [row], "one object per line: newlines are escaped"


async def test_an_empty_export_is_still_well_formed(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    assert json.loads(await export(any_database, quito, catalogs, format="json")) == []
    assert await export(any_database, quito, catalogs, format="jsonl") == b""
    assert csv_rows(await export(any_database, quito, catalogs, format="csv")) == [list(COLUMNS)]
    assert xlsx_sheets(await export(any_database, quito, catalogs, format="xlsx")) == {
        "proposals": [xlsx_header(catalogs)]
    }


async def test_the_public_export_holds_nothing_about_the_person(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(
        any_database,
        "UIO-0001",
        telegram_id="770001",
        pseudonym="vecino-7f3a",
        zone="calderon",
        sector="civil-society",
        age_range="65-plus",
        language="en",
        location=(-0.1234, -78.4321),
        status="not_adopted",
        status_reason="Ya existe un compromiso similar.",
    )
    personal = [
        b"770001",
        b"vecino-7f3a",
        "Calderón".encode(),
        b"calderon",
        b"civil-society",
        b"Sociedad civil organizada",
        b"65",
        b"-0.1234",
        b"-78.4321",
        b"09:15",
    ]
    for fmt in ("csv", "xlsx", "json", "jsonl"):
        data = await export(any_database, quito, catalogs, format=fmt, public=True)
        text = data if fmt != "xlsx" else json.dumps(xlsx_sheets(data), ensure_ascii=False).encode()
        assert not [value for value in personal if value in text], fmt
    [row] = json.loads(await export(any_database, quito, catalogs, format="json", public=True))
    assert list(row) == list(PUBLIC_COLUMNS)
    assert (row["status"], row["status_reason"], row["submitted_on"]) == (
        "not_adopted",
        "Ya existe un compromiso similar.",
        "2026-11-20",
    )
    assert csv_rows(await export(any_database, quito, catalogs, format="csv", public=True))[0] == list(PUBLIC_COLUMNS)


async def test_a_proposal_moderators_hid_is_never_made_public(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    hidden_id = await proposal(any_database, "UIO-0001", problem="Un texto que los moderadores ocultaron.")
    await proposal(any_database, "UIO-0002")
    async with UnitOfWork(any_database) as uow:
        hidden = await uow.proposals.get(hidden_id)
        assert hidden is not None
        hidden.hidden = True
        await uow.commit()
    public = json.loads(await export(any_database, quito, catalogs, format="json", public=True))
    decidim = await export(any_database, quito, catalogs, format="decidim")
    staff = json.loads(await export(any_database, quito, catalogs, format="json"))
    assert [row["code"] for row in public] == ["UIO-0002"]
    assert b"UIO-0001" not in decidim and b"UIO-0002" in decidim
    assert [row["code"] for row in staff] == ["UIO-0001", "UIO-0002"], "staff still see everything"


async def test_a_proposal_its_author_withdrew_is_never_made_public(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(any_database, "UIO-0001", status="withdrawn")
    await proposal(any_database, "UIO-0002")
    public = json.loads(await export(any_database, quito, catalogs, format="json", public=True))
    decidim = await export(any_database, quito, catalogs, format="decidim")
    staff = json.loads(await export(any_database, quito, catalogs, format="json"))
    assert [row["code"] for row in public] == ["UIO-0002"], "Decidim and the public site publish what they get"
    assert b"UIO-0001" not in decidim and b"UIO-0002" in decidim
    assert [row["code"] for row in staff] == ["UIO-0001", "UIO-0002"], "staff still see everything"


async def test_the_decidim_file_has_the_headers_its_proposals_import_reads(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await proposal(
        any_database,
        "UIO-0001",
        pseudonym="vecino-7f3a",
        problem='Baches; en la "Av. Maldonado"',
        location=(-0.2841, -78.5489),
    )
    data = await export(any_database, quito, catalogs, format="decidim", lang="en", categories={"4": "17"})
    assert not data.startswith(b"\xef\xbb\xbf"), "Decidim reads plain UTF-8"
    [header, row] = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";"))
    assert header == ["id", "title/en", "body/en", "category/id", "scope/id", "address", "latitude", "longitude"]
    values = dict(zip(header, row, strict=True))
    assert values["title/en"] == 'UIO-0001: Baches; en la "Av. Maldonado"'
    body = values["body/en"]
    for part in (
        'Problem\nBaches; en la "Av. Maldonado"',
        "Proposed solution\nPublicar horarios",
        "How it would help\nMenos espera",
        "Thematic axis: Sustainable Mobility",
        "Tracking code: UIO-0001",
    ):
        assert part in body
    assert (values["category/id"], values["latitude"], values["longitude"]) == ("17", "-0.2841", "-78.5489")
    assert b"vecino-7f3a" not in data and b"Quitumbe" not in data


async def test_filters_pick_axis_pillar_zone_status_language_and_days(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    day = datetime(2026, 11, 20, 0, 0, tzinfo=QUITO)
    await proposal(any_database, "UIO-0001", axis_id="1", submitted_at=day - timedelta(minutes=1))
    await proposal(any_database, "UIO-0002", axis_id="4", pillar_id="integrity", submitted_at=day)
    await proposal(any_database, "UIO-0003", zone="calderon", status="accepted", submitted_at=day + timedelta(hours=23))
    await proposal(any_database, "UIO-0004", language="en", submitted_at=day + timedelta(days=1))

    async def codes(**wanted: Any) -> list[str]:
        filters = build_filter(quito, **wanted)
        rows = json.loads(await export(any_database, quito, catalogs, format="json", filters=filters))
        return [row["code"] for row in rows]

    assert await codes() == ["UIO-0001", "UIO-0002", "UIO-0003", "UIO-0004"]
    assert await codes(axes=["1"]) == ["UIO-0001"]
    assert await codes(axes=["1,4"]) == ["UIO-0001", "UIO-0002", "UIO-0003", "UIO-0004"]
    assert await codes(pillars=["integrity"]) == ["UIO-0002"]
    assert await codes(zones=["calderon"]) == ["UIO-0003"]
    assert await codes(statuses=["accepted"]) == ["UIO-0003"]
    assert await codes(languages=["en"]) == ["UIO-0004"]
    assert await codes(since="2026-11-20", until="2026-11-20") == ["UIO-0002", "UIO-0003"], "whole days, Quito time"
    assert await codes(since="2026-11-21") == ["UIO-0004"]
    assert await codes(axes=["4"], statuses=["received"], until="2026-11-20") == ["UIO-0002"]


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"axes": ["9"]}, "Unknown axis 9. Axes: 1, 2, 3, 4, 5, 6."),
        ({"pillars": ["openness"]}, "Unknown pillar openness."),
        ({"zones": ["guayaquil"]}, "Unknown zone guayaquil."),
        ({"statuses": ["approved"]}, "Unknown status approved."),
        ({"languages": ["fr"]}, "Unknown language fr."),
        ({"since": "20/11/2026"}, "20/11/2026 is not a date: write it as YYYY-MM-DD."),
        ({"since": "2026-11-21", "until": "2026-11-20"}, "The start date 2026-11-21 is after the end date 2026-11-20."),
    ],
)
def test_a_filter_that_names_nothing_real_is_refused(quito: Consultation, wanted: Any, message: str) -> None:
    with pytest.raises(RequestError) as refused:
        build_filter(quito, **wanted)
    assert str(refused.value).startswith(message)


def test_filters_are_described_for_the_audit_log(quito: Consultation) -> None:
    described = build_filter(quito, axes=["4"], since="2026-11-20").describe()
    assert described == {"consultation": "quito-2024", "axis": ["4"], "since": "2026-11-20T00:00:00-05:00"}
    assert "consultation" not in build_filter(quito, scope="all").describe(), "all of them, on purpose"
    assert ExportFilter().describe() == {}
