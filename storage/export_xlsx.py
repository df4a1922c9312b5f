"""The Excel export, streamed with XlsxWriter in constant-memory mode: each row goes to a temporary file
as soon as it is written, so a million rows take the memory of one. Excel is for people: column titles in
their language, and a text that looks like a formula, a number or a link is written as a text cell (shown
as written, never run) rather than prefixed with ``'`` as in CSV.

Each sheet has a bold, frozen header with a filter, column widths that suit the content and wrapped long
texts. Past Excel's row limit the rows continue on a new sheet (``proposals``, ``proposals 2``…) with the
same header.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from storage.export import BATCH, EXCEL_MAX_ROWS, Row, Value

EXCEL_MAX_CELL_CHARS = 32_767
SHEET_TITLE = "proposals"
OPTIONS: Mapping[str, Any] = {
    "constant_memory": True,  # rows stream to disk: memory does not grow with the export
    "strings_to_formulas": False,  # a text is a text cell, whatever it starts with
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in a cell
CARRIAGE_RETURNS = re.compile(r"\r\n?")  # Excel's line break inside a cell is "\n"
TO_CLEAN = re.compile(r"[\x00-\x08\x0b-\x1f]")  # either of the two above

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
    with tempfile.TemporaryDirectory(prefix="cocrea-xlsx-") as scratch:  # the rows, until they are zipped
        book = Workbook(str(out) if isinstance(out, Path) else out, {**OPTIONS, "tmpdir": scratch})
        sheets = _Sheets(book, columns, titles, max_rows)
        try:
            count = 0
            async for batch in batches:
                await _in_thread(partial(sheets.extend, batch))  # the loop stays free for everyone's updates
                count += len(batch)
        except BaseException:
            sheets.abandon()  # nothing is written to ``out``: a half export is no export
            raise
        await _in_thread(sheets.close)  # zipping the rows takes seconds for a large export
    return count


async def _in_thread(call: Callable[[], None]) -> None:
    """``call`` on a worker thread. Cancelled, it still waits for the call to end before it raises: the call
    writes into files that the cancelled export removes next."""
    work = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait({work})
        raise


class _Sheets:
    """The workbook's sheets, each with the header, filled row after row and continued past ``max_rows``."""

    def __init__(self, book: Workbook, columns: Sequence[str], titles: Sequence[str], max_rows: int) -> None:
        self._book, self._columns, self._titles, self._max_rows = book, columns, titles, max_rows
        self._bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self._formats: list[Format | None] = [wrap if column in WRAPPED else None for column in columns]
        self._sheet = self._new_sheet(1)
        self._row = 1

    def extend(self, rows: Sequence[Sequence[Value]]) -> None:
        for row in rows:
            self.append(row)

    def append(self, cells: Sequence[Value]) -> None:
        if self._row == self._max_rows:
            self.finish()
            self._sheet = self._new_sheet(len(self._book.worksheets()) + 1)
            self._row = 1
        sheet, row = self._sheet, self._row
        for column, (value, cell_format) in enumerate(zip(cells, self._formats, strict=True)):
            if isinstance(value, str):
                sheet.write_string(row, column, cell_text(value), cell_format)
            elif value is not None:
                sheet.write_number(row, column, value, cell_format)
        self._row += 1

    def finish(self) -> None:
        self._sheet.autofilter(0, 0, self._row - 1, len(self._columns) - 1)

    def close(self) -> None:
        """The last sheet's filter, and the workbook zipped into ``out``."""
        self.finish()
        self._book.close()

    def abandon(self) -> None:
        """Close the sheets' files of rows, which the scratch directory's removal deletes."""
        for sheet in self._book.worksheets():
            if sheet.row_data_fh is not None:
                sheet.row_data_fh.close()

    def _new_sheet(self, number: int) -> Worksheet:
        sheet = self._book.add_worksheet(SHEET_TITLE if number == 1 else f"{SHEET_TITLE} {number}")
        for index, column in enumerate(self._columns):
            sheet.set_column(index, index, WIDTHS.get(column, DEFAULT_WIDTH))
        sheet.freeze_panes(1, 0)
        for index, title in enumerate(self._titles):
            sheet.write_string(0, index, title, self._bold)
        return sheet


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
    """Text as Excel shows it: line breaks as ``\\n``, no control characters, at most 32,767 characters."""
    if TO_CLEAN.search(value) is not None:
        value = CONTROL_CHARACTERS.sub("", CARRIAGE_RETURNS.sub("\n", value))
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[: EXCEL_MAX_CELL_CHARS - 1] + "…"
    return value
