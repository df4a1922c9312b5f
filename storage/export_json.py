"""JSON exports: one streamed array, or one object per line (JSON Lines).

Objects have the export's columns as keys, in order; counts are numbers and
missing values are ``null``. Text is written as is: JSON is data, not a
spreadsheet, so nothing is neutralised.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import IO, TextIO

from storage.export import Row, write_line_batches

_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(…, ensure_ascii=False)`` builds an encoder per call; one is enough (same output)."""


def _dumps(row: Row, columns: Sequence[str]) -> str:
    return _ENCODER.encode({column: row[column] for column in columns})


async def write_json(rows: AsyncIterator[Row], out: TextIO, *, columns: Sequence[str]) -> int:
    """A JSON array written one object at a time; returns the number of rows."""
    count = 0
    async for row in rows:
        out.write(("[\n" if count == 0 else ",\n") + _dumps(row, columns))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


async def write_jsonl(rows: AsyncIterator[Row], out: TextIO, *, columns: Sequence[str]) -> int:
    """One JSON object per line; returns the number of rows."""
    count = 0
    async for row in rows:
        out.write(_dumps(row, columns) + "\n")
        count += 1
    return count


async def write_json_lines(batches: AsyncIterator[Sequence[bytes]], out: IO[bytes]) -> int:
    """``write_json`` for rows that are already JSON objects in UTF-8 (``storage.export_cells.proposal_json``),
    a batch at a time; returns the number of rows."""
    count = 0
    async for batch in batches:
        if batch:
            out.write((b"[\n" if count == 0 else b",\n") + b",\n".join(batch))
            count += len(batch)
    out.write(b"\n]\n" if count else b"[]\n")
    return count


async def write_jsonl_lines(batches: AsyncIterator[Sequence[bytes]], out: IO[bytes]) -> int:
    """``write_jsonl`` for rows that are already JSON objects in UTF-8, a batch at a time."""
    return await write_line_batches(batches, out, ending=b"\n")
