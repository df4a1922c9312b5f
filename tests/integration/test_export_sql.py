"""The exports' cells come from SQL (labels, local times, the order of commitment codes, and for CSV the
formula guard and the quoting): the files must be byte for byte what the Python path writes from the same
rows, in SQLite and PostgreSQL, across midnight and daylight-saving changes (issue 13). Decidim's import file
too: its lines from SQL and Python (``decidim_lines``) against ``write_decidim``'s."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from config.consultation import Consultation
from handlers.i18n import Catalogs
from handlers.intake.table import DEFAULT_STEPS
from handlers.staff.columns import public_columns, staff_columns
from handlers.staff.labels import decidim_headings, labeler
from storage.database import Database
from storage.export import (
    EVERYTHING,
    ExportFilter,
    Row,
    proposal_rows,
    public_rows,
    write_csv,
    write_csv_lines,
)
from storage.export_cells import proposal_cells, proposal_csv, proposal_json
from storage.export_decidim import DecidimOptions, decidim_lines, write_decidim, write_decidim_lines
from storage.export_json import write_json, write_json_lines, write_jsonl, write_jsonl_lines
from storage.models import Commitment, CommitmentSource
from tests.integration.test_exports import csv_rows, export
from tests.seed import proposal

ZONES = ("America/Guayaquil", "Europe/Madrid", "America/Santiago", "Asia/Kathmandu", "UTC")
MOMENTS = (
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # Madrid: the last second of winter time
    datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),  # … and the first of summer time
    datetime(2026, 4, 5, 2, 59, 59, tzinfo=UTC),  # Santiago leaves summer time at 03:00 UTC
    datetime(2026, 4, 5, 3, 0, 0, 500_000, tzinfo=UTC),
    datetime(2026, 9, 6, 4, 0, 0, tzinfo=UTC),  # Santiago's summer time begins
    datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, 1, tzinfo=UTC),  # Madrid back to winter time
    datetime(2026, 11, 21, 4, 59, 59, tzinfo=UTC),  # Quito: 23:59:59 the day before
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # Madrid, Kathmandu: already next year
)
TEXTS = (
    "=1+1",
    "+593 99 123 4567",
    "-1 para el presupuesto",
    "@SUM(A1:A9)",
    "\tTabulado",
    "\rRetorno",
    "'Ya entre comillas simples",
    'Con "comillas", comas; y punto y coma',
    "Primera línea\nSegunda 🚌\r\nTercera",
    "Sin nada especial",
    "Control \x01 y \x1f, barra \\ y emoji 🚌",
    "",
)
ZONE_IDS = ("quitumbe", "calderon", None, "=zona-rara", "zona,con;coma")


async def seeded(database: Database) -> None:
    """Proposals that meet every rule: times around each change of offset, texts that look like formulas
    or need quotes, known and unknown ids, empty and missing answers, commitments numbered 9 and 10."""
    for n, moment in enumerate(MOMENTS, 1):
        text = TEXTS[n % len(TEXTS)]
        await proposal(
            database,
            f"UIO-{n:04}",
            submitted_at=moment,
            answered_at=moment + timedelta(hours=n) if n % 2 else None,
            status="accepted" if n % 3 else "received",
            status_reason=text if n % 2 else "",
            problem=text or "Un problema",
            solution=TEXTS[(n + 3) % len(TEXTS)] or "Una solución",
            zone=ZONE_IDS[n % len(ZONE_IDS)],
            sector=None if n % 4 == 0 else "academia",
            axis_id="4" if n % 2 else "99",
            pseudonym="" if n == 3 else "vecino-7f3a",
            follow_ups=n % 3,
            attachments=["photo"] * (n % 2),
        )
    async with database.engine.begin() as conn:
        for number, code in ((1, "UIO-C10"), (2, "UIO-C9"), (3, "=UIO-C1")):
            await conn.execute(
                insert(Commitment).values(
                    id=number, code=code, consultation="quito-2024", title="t", created_by="operator:test"
                )
            )
        links = [(1, 1), (2, 1), (3, 2), (1, 2), (2, 3)]
        for commitment, proposal_id in links:
            values = {"commitment_id": commitment, "proposal_id": proposal_id, "previous_status": "received"}
            await conn.execute(insert(CommitmentSource).values(**values, linked_by="operator:test"))


async def python_bytes(rows: AsyncIterator[Row], columns: Sequence[str], fmt: str) -> bytes:
    """What the Python path (rows as mappings, ``storage.export``'s writers) writes."""
    out = io.StringIO(newline="")
    if fmt == "csv":
        await write_csv(rows, out, columns=columns)
    elif fmt == "json":
        await write_json(rows, out, columns=columns)
    else:
        await write_jsonl(rows, out, columns=columns)
    return out.getvalue().encode("utf-8-sig" if fmt == "csv" else "utf-8")


async def sql_bytes(database: Database, label: Any, zone: str, columns: Sequence[str], fmt: str) -> bytes:
    """What the SQL path writes (``storage.export_cells``): lines written by the database."""
    out = io.BytesIO()
    if fmt == "csv":
        await write_csv_lines(proposal_csv(database, label, EVERYTHING, zone, columns, ","), out, columns=columns)
    else:
        lines = proposal_json(database, label, EVERYTHING, zone, columns)
        await (write_json_lines if fmt == "json" else write_jsonl_lines)(lines, out)
    return out.getvalue()


async def sql_cells(database: Database, label: Any, zone: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    """The cells the SQL path gives Excel, as mappings."""
    return [
        dict(zip(columns, row, strict=True))
        async for batch in proposal_cells(database, label, EVERYTHING, zone, columns)
        for row in batch
    ]


@pytest.mark.parametrize("zone", ZONES)
async def test_sql_cells_are_the_python_rows_byte_for_byte(
    any_database: Database, quito: Consultation, catalogs: Catalogs, zone: str
) -> None:
    await seeded(any_database)
    for language in ("es", "en"):
        label = labeler(quito, catalogs, language)
        staff, public = staff_columns(DEFAULT_STEPS), public_columns(DEFAULT_STEPS)
        for fmt in ("csv", "json", "jsonl"):
            expected = await python_bytes(proposal_rows(any_database, label, EVERYTHING, zone), staff, fmt)
            assert await sql_bytes(any_database, label, zone, staff, fmt) == expected, (zone, language, fmt)
            expected = await python_bytes(public_rows(any_database, label, EVERYTHING, zone), public, fmt)
            assert await sql_bytes(any_database, label, zone, public, fmt) == expected, (zone, language, fmt)
        for columns, read in ((staff, proposal_rows), (public, public_rows)):
            rows = [{c: row[c] for c in columns} async for row in read(any_database, label, EVERYTHING, zone)]
            assert await sql_cells(any_database, label, zone, columns) == rows, (zone, language)


async def test_a_csv_export_labels_in_its_language_shows_quito_time_and_neutralises_odd_ids(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    late = datetime(2026, 11, 21, 4, 30, tzinfo=UTC)  # 23:30 on the 20th in Quito
    await proposal(any_database, "UIO-0001", submitted_at=late, zone="=cmd|calc", problem="@A1")
    for language, axis, zone in (("es", "Movilidad Sostenible", "'=cmd|calc"), ("en", "Sustainable Mobility", None)):
        [header, row] = csv_rows(await export(any_database, quito, catalogs, format="csv", lang=language))
        cells = dict(zip(header, row, strict=True))
        assert cells["axis"] == axis
        assert cells["submitted_at"] == "2026-11-20T23:30:00-05:00", "local time, the day before in UTC"
        assert cells["problem"] == "'@A1"
        if zone:
            assert cells["zone"] == zone, "an unknown id is shown as it is, neutralised"
    [header, row] = csv_rows(await export(any_database, quito, catalogs, format="csv", public=True))
    assert dict(zip(header, row, strict=True))["submitted_on"] == "2026-11-20"


async def test_commitment_codes_come_in_their_numbers_order(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await seeded(any_database)
    rows = csv_rows(await export(any_database, quito, catalogs, format="csv", public=True))
    by_code = {row[0]: dict(zip(rows[0], row, strict=True))["commitment"] for row in rows[1:]}
    assert by_code["UIO-0001"] == "UIO-C9 UIO-C10", "C9 before C10"
    assert by_code["UIO-0002"] == "'=UIO-C1 UIO-C10", "guarded after sorting: the first code decides"


ROOM = 150 - len("UIO-0101: ")
"""Characters of the problem a title holds (after the code and ``: ``)."""
DECIDIM_PROBLEMS = (
    "  Espacios\u3000raros\xa0al\u2028borde\u205fy\x1cen medio \u2003 ",
    "x" * ROOM,  # fits exactly
    "x" * (ROOM + 1),  # one too many: cut, with an ellipsis
    "y" * (ROOM - 2) + " z" + " más",  # the cut falls after a space, which goes
    "a\tb\nc\rd\x0be\x0cf\x1dg\x1eh\x1fi\x85j\u1680k\u2000l\u200am\u2029n\u202fo\u3000p",
    'Título con; punto y coma y "comillas"' + " palabra" * 30,
    "Sin espacios" + "\u00e1" * 200,
    "%s y %% no son formatos; \\ tampoco",
)
LOCATIONS = (
    None,
    (0.0, -78.0),
    (-0.2345678901234567, -78.49999999999999),
    (1e-05, 179.99999999999997),
    (-0.1806532, -78.4678382),
)
HEADINGS = {
    "problem": 'El "problema" al 100%',
    "solution": "Solución; propuesta",
    "contribution": "%s",
    "axis": 'Eje "temático"',
    "pillar": "Pilar\ncon salto",
    "code": "Código",
}
CATEGORIES: tuple[dict[str, str], ...] = ({}, {"4": "17", "99": 'x;"y"', "None": "3"})


async def seeded_for_decidim(database: Database) -> None:
    """``seeded``'s proposals and titles that stress ``str.split``, the cut at 150 characters and the quoting,
    with coordinates that SQL would write otherwise than ``str(float)``, an empty axis, one withdrawn."""
    await seeded(database)
    for n, problem in enumerate(DECIDIM_PROBLEMS, 101):
        await proposal(
            database,
            f"UIO-{n:04}",
            problem=problem,
            solution=TEXTS[n % len(TEXTS)] or "Una solución",
            contribution=TEXTS[(n + 5) % len(TEXTS)] or "Ayuda",
            axis_id="" if n == 101 else ("99" if n % 3 else "4"),
            pillar_id='pilar "raro"' if n == 102 else "transparency",
            location=LOCATIONS[n % len(LOCATIONS)],
            status="withdrawn" if n == 103 else "received",
        )


async def decidim_bytes(database: Database, label: Any, filters: ExportFilter, options: DecidimOptions) -> bytes:
    """What the SQL path writes (``decidim_lines``)."""
    out = io.BytesIO()
    await write_decidim_lines(decidim_lines(database, label, filters, options), out, options)
    return out.getvalue()


async def decidim_python_bytes(database: Database, label: Any, filters: ExportFilter, options: DecidimOptions) -> bytes:
    """What the Python path writes (rows as mappings, ``write_decidim``)."""
    out = io.StringIO(newline="")
    await write_decidim(proposal_rows(database, label, filters), out, options)
    return out.getvalue().encode()


@pytest.mark.parametrize("categories", CATEGORIES)
async def test_decidim_lines_are_the_python_file_byte_for_byte(
    any_database: Database, quito: Consultation, catalogs: Catalogs, categories: dict[str, str]
) -> None:
    await seeded_for_decidim(any_database)
    published = ExportFilter(published_only=True)
    for language in ("es", "en"):
        label = labeler(quito, catalogs, language)
        for headings in (decidim_headings(catalogs.get(language)), HEADINGS):
            options = DecidimOptions(language, headings, categories)
            for filters in (EVERYTHING, published, ExportFilter(axes=("nothing",))):
                expected = await decidim_python_bytes(any_database, label, filters, options)
                assert await decidim_bytes(any_database, label, filters, options) == expected, (language, filters)


async def test_a_decidim_title_is_cut_at_150_characters_and_keeps_only_single_spaces(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await seeded_for_decidim(any_database)
    options = DecidimOptions("es", HEADINGS, {"4": "17"})
    data = await decidim_bytes(any_database, labeler(quito, catalogs, "es"), EVERYTHING, options)
    rows = {row[0]: row for row in csv.reader(io.StringIO(data.decode(), newline=""), delimiter=";")}
    assert rows["UIO-0101"][1] == "UIO-0101: Espacios raros al borde y en medio"
    assert rows["UIO-0102"][1] == "UIO-0102: " + "x" * ROOM
    assert rows["UIO-0103"][1] == "UIO-0103: " + "x" * (ROOM - 1) + "…"
    assert rows["UIO-0104"][1] == "UIO-0104: " + "y" * (ROOM - 2) + "…", "no space before the ellipsis"
    assert len(rows["UIO-0106"][1]) == 150
    assert rows["UIO-0106"][2].startswith('El "problema" al 100%\nTítulo con; punto y coma y "comillas"')
    assert rows["UIO-0101"][2].endswith(
        'Eje "temático": None\nPilar\ncon salto: Transparencia y acceso a la información pública\nCódigo: UIO-0101'
    )
    assert rows["UIO-0102"][6:] == ["-0.2345678901234567", "-78.49999999999999"], "every digit Python writes"
    assert rows["UIO-0103"][6:] == ["1e-05", "179.99999999999997"]
    assert rows["UIO-0105"][6:] == ["", ""]
    assert rows["UIO-0106"][6:] == ["0.0", "-78.0"]
