"""An analyst opens the Excel export: every text reads as the citizen wrote it, line breaks included, and
an export that fails half-way leaves no half-written workbook behind."""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage.export import Value
from storage.export_xlsx import EXCEL_MAX_CELL_CHARS, _Sheets, cell_text, write_xlsx_cells

COLUMNS = ("code", "problem", "backers")


async def batches(*rows: Sequence[Value], fail_after: int | None = None) -> AsyncIterator[list[Sequence[Value]]]:
    for number, row in enumerate(rows):
        if number == fail_after:
            raise RuntimeError("the database went away")
        yield [row]


def test_line_breaks_from_any_device_read_as_excels_own() -> None:
    assert cell_text("Windows\r\nform") == "Windows\nform"
    assert cell_text("old Mac\rtext") == "old Mac\ntext"
    assert cell_text("kept\tas\nwritten") == "kept\tas\nwritten"


def test_characters_excel_refuses_are_dropped_and_long_texts_cut() -> None:
    assert cell_text("bell\x07 and escape\x1b") == "bell and escape"
    long = cell_text("a" * (EXCEL_MAX_CELL_CHARS + 10))
    assert len(long) == EXCEL_MAX_CELL_CHARS and long.endswith("…")


async def test_texts_numbers_and_blanks_read_back_as_written() -> None:
    out = io.BytesIO()
    rows: list[Sequence[Value]] = [("UIO-0001", "=SUM(A1:A2)\r\nsegunda línea", 3), ("UIO-0002", None, 1.5)]
    assert await write_xlsx_cells(batches(*rows), out, columns=COLUMNS) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue()))["proposals"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        list(COLUMNS),
        ["UIO-0001", "=SUM(A1:A2)\nsegunda línea", 3],
        ["UIO-0002", None, 1.5],
    ]
    assert sheet["B2"].data_type == "s", "a formula-looking text stays a text"


async def test_an_export_that_fails_half_way_writes_nothing_and_leaves_no_scratch_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = io.BytesIO()
    rows = [("UIO-0001", "uno", 1), ("UIO-0002", "dos", 2)]
    with pytest.raises(RuntimeError, match="went away"):
        await write_xlsx_cells(batches(*rows, fail_after=1), out, columns=COLUMNS)
    assert out.getvalue() == b"", "no half workbook"
    assert os.listdir(tmp_path) == [], "the rows written so far are deleted"


async def test_rows_are_written_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a large workbook takes minutes: citizens' updates go on meanwhile in the same process."""
    threads: set[int] = set()
    extend = _Sheets.extend

    def recorded(self: _Sheets, rows: Sequence[Sequence[Value]]) -> None:
        threads.add(threading.get_ident())
        extend(self, rows)

    monkeypatch.setattr(_Sheets, "extend", recorded)
    await write_xlsx_cells(batches(("UIO-0001", "uno", 1), ("UIO-0002", "dos", 2)), io.BytesIO(), columns=COLUMNS)
    assert threads and threading.get_ident() not in threads


async def test_a_cancelled_export_waits_for_its_rows_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser that goes away cancels the download: the batch being written ends before the rows go."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    writing, ended = threading.Event(), threading.Event()
    extend = _Sheets.extend

    def slow(self: _Sheets, rows: Sequence[Sequence[Value]]) -> None:
        writing.set()
        time.sleep(0.2)
        extend(self, rows)
        ended.set()

    monkeypatch.setattr(_Sheets, "extend", slow)
    out = io.BytesIO()
    export = asyncio.create_task(write_xlsx_cells(batches(("UIO-0001", "uno", 1)), out, columns=COLUMNS))
    await asyncio.to_thread(writing.wait)
    export.cancel()
    with pytest.raises(asyncio.CancelledError):
        await export
    assert ended.is_set(), "the batch being written was finished, not cut"
    assert out.getvalue() == b"" and os.listdir(tmp_path) == []
