"""JSON exports: one streamed array, or one object per line (JSON Lines).

Objects have the export's columns as keys, in order; counts are numbers and
missing values are ``null``. Text is written as is: JSON is data, not a
spreadsheet, so nothing is neutralised.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import TextIO

from storage.export import Row, Value

_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(…, ensure_ascii=False)`` builds an encoder per call; one is enough (same output)."""
_BETWEEN = '}, {"'
"""Where one object ends and the next begins in an encoded list of objects. Inside a string every ``"`` is
escaped (``\\"``), so this can only be the boundary between two of the flat objects."""


def _dumps(row: Row, columns: Sequence[str]) -> str:
    return _ENCODER.encode({column: row[column] for column in columns})


def _objects(batch: Sequence[Sequence[Value]], columns: Sequence[str], separator: str) -> str:
    """The batch's rows as JSON objects joined by ``separator``: the whole batch is encoded in one call to
    the C encoder, then split at the objects' boundaries (the same text as one ``dumps`` per row)."""
    encoded = _ENCODER.encode([dict(zip(columns, row, strict=True)) for row in batch])
    return encoded[1:-1].replace(_BETWEEN, "}" + separator + '{"')


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


async def write_json_cells(
    batches: AsyncIterator[Sequence[Sequence[Value]]], out: TextIO, *, columns: Sequence[str]
) -> int:
    """``write_json`` for rows that are already cells (``storage.export_cells``), a batch at a time."""
    count = 0
    async for batch in batches:
        if batch:
            out.write(("[\n" if count == 0 else ",\n") + _objects(batch, columns, ",\n"))
            count += len(batch)
    out.write("\n]\n" if count else "[]\n")
    return count


async def write_jsonl_cells(
    batches: AsyncIterator[Sequence[Sequence[Value]]], out: TextIO, *, columns: Sequence[str]
) -> int:
    """``write_jsonl`` for rows that are already cells (``storage.export_cells``), a batch at a time."""
    count = 0
    async for batch in batches:
        if batch:
            out.write(_objects(batch, columns, "\n") + "\n")
            count += len(batch)
    return count
