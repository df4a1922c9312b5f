"""The Excel export, streamed with openpyxl's write-only mode. Excel is for people: column titles in their
language, and a text that looks like a formula is written as a text cell (shown as written, never run)
rather than prefixed with ``'`` as in CSV.

Each sheet has a bold, frozen header with a filter, column widths that suit the
content and wrapped long texts. Past Excel's row limit the rows continue on a
new sheet (``proposals``, ``proposals 2``…) with the same header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage.export import BATCH, EXCEL_MAX_ROWS, Row, Value, looks_like_formula

EXCEL_MAX_CELL_CHARS = 32_767
SHEET_TITLE = "proposals"

WIDTHS: Mapping[str, float] = {
    "code": 12,
    "submitted_at": 26,
    "submitted_on": 12,
    "consultation": 14,
    "axis_id": 8,
    "axis": 32,
    "pillar_id": 14,
    "pillar": 28,
    "problem": 60,
    "solution": 60,
    "contribution": 50,
    "zone": 18,
    "sector": 22,
    "age_range": 12,
    "language": 9,
    "channel": 10,
    "source": 10,
    "workshop_id": 9,
    "workshop": 24,
    "table": 7,
    "backers": 9,
    "supporters": 10,
    "status": 12,
    "status_reason": 50,
    "answered_at": 26,
    "answered_on": 12,
    "follow_up_count": 10,
    "attachment_count": 10,
    "participant": 16,
}
WRAPPED = frozenset({"axis", "pillar", "problem", "solution", "contribution", "status_reason"})
DEFAULT_WIDTH = 16


async def write_xlsx(
    rows: AsyncIterator[Row],
    out: str | Path | IO[bytes],
    *,
    columns: Sequence[str],
    headers: Mapping[str, str] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> int:
    """Write ``rows`` (mappings) as an .xlsx workbook to ``out``; returns the number of rows. ``headers``
    names the columns for people (the column ids otherwise); ``max_rows`` (header included) is lowered by
    tests to see the sheet split."""
    return await write_xlsx_cells(_batched(rows, columns), out, columns=columns, headers=headers, max_rows=max_rows)


async def write_xlsx_cells(
    batches: AsyncIterator[Sequence[Sequence[Value]]],
    out: str | Path | IO[bytes],
    *,
    columns: Sequence[str],
    headers: Mapping[str, str] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> int:
    """``write_xlsx`` for rows that are already cells in ``columns``' order (``storage.export_cells``)."""
    if max_rows < 2:
        raise ValueError("a sheet needs room for the header and at least one row")
    titles = [(headers or {}).get(column, column) for column in columns]
    book = Workbook(write_only=True)
    sheet = _new_sheet(book, columns, titles, 1)
    wrap = Alignment(wrap_text=True, vertical="top")
    wrapped = [column in WRAPPED for column in columns]
    count = in_sheet = 0
    async for batch in batches:
        for row in batch:
            if in_sheet == max_rows - 1:
                _finish(sheet, columns, in_sheet)
                sheet = _new_sheet(book, columns, titles, len(book.worksheets) + 1)
                in_sheet = 0
            sheet.append([_cell(sheet, value, wrap if w else None) for value, w in zip(row, wrapped, strict=True)])
            in_sheet += 1
        count += len(batch)
    _finish(sheet, columns, in_sheet)
    book.save(out)
    return count


def _new_sheet(book: Workbook, columns: Sequence[str], titles: Sequence[str], number: int) -> WriteOnlyWorksheet:
    sheet: WriteOnlyWorksheet = book.create_sheet(SHEET_TITLE if number == 1 else f"{SHEET_TITLE} {number}")
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, DEFAULT_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _finish(sheet: WriteOnlyWorksheet, columns: Sequence[str], rows: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"


def _cell(sheet: WriteOnlyWorksheet, value: Value, alignment: Alignment | None) -> Any:
    if not isinstance(value, str):
        return value
    value = cell_text(value)
    if alignment is None and not looks_like_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value)
    if looks_like_formula(value):
        cell.data_type = "s"  # a text cell, shown as written: Excel never runs a string cell as a formula
    if alignment is not None:
        cell.alignment = alignment
    return cell


async def _batched(rows: AsyncIterator[Row], columns: Sequence[str]) -> AsyncIterator[list[list[Value]]]:
    """Mappings as cells in ``columns``' order, ``BATCH`` rows at a time."""
    batch: list[list[Value]] = []
    async for row in rows:
        batch.append([row[column] for column in columns])
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def cell_text(value: str) -> str:
    """Text as Excel accepts it: no control characters, at most 32,767 characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[: EXCEL_MAX_CELL_CHARS - 1] + "…"
    return value
