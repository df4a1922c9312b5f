"""JSON exports: one streamed array, or one object per line (JSON Lines).

Objects have the export's columns as keys, in order; counts are numbers and
missing values are ``null``. Text is written as is: JSON is data, not a
spreadsheet, so nothing is neutralised.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import TextIO

from storage.export import Row


def _dumps(row: Row, columns: Sequence[str]) -> str:
    return json.dumps({column: row[column] for column in columns}, ensure_ascii=False)


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
