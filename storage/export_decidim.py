"""A file that Decidim's proposals import accepts ("Import proposals from a file").

Decidim reads a CSV with ``;`` as separator (or JSON, or Excel) whose header
names the fields: ``title/<locale>`` and ``body/<locale>`` (required for the
organisation's default locale), ``category/id`` (Decidim ≤ 0.27; 0.28 and later
use taxonomies and ignore it), ``scope/id``, ``address``, ``latitude`` and
``longitude``; ``id`` is read and ignored, so it carries our tracking code.

Decidim publishes what it imports, so the file holds nothing about the author:
the title is the tracking code and the start of the problem, the body joins the
problem, the solution and how it would help under headings in the chosen
language, followed by the axis and pillar. Category ids belong to the Decidim
instance, so ``category/id`` is filled only from the mapping the caller passes
(our axis id → Decidim category id). ``scope/id`` and ``address`` stay empty: our
zone is the author's own profile answer, not the place of the proposal.

A file is written from lines the database builds (``decidim_lines``, issue 13): the body (the three texts
under their headings, the axis and pillar labels), its quoting, the category and the empty columns are
SQL, read as UTF-8 bytes. Two things stay in Python, per row, because SQL would write them otherwise:

- the title: it joins the words of the problem as ``str.split`` finds them (any of 29 Unicode white
  spaces). SQLite has no regular expressions: a ``replace`` per white space and four more to fold runs of
  spaces cost 12.6 s at 1,000,000 rows, where Python's ``split`` costs under 3 s;
- latitude and longitude: ``str(float)`` is the shortest text that reads back as the same number, where
  SQLite writes 15 digits and PostgreSQL ``5`` for ``5.0``.

``write_decidim`` (rows as mappings) is the reference the tests hold ``write_decidim_lines`` to, byte for
byte.
"""

from __future__ import annotations

import csv
import io
import typing
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

from sqlalchemy import ColumnElement, case, func, literal, type_coerce
from sqlalchemy.types import NullType, String

from storage.database import Database
from storage.export import PROPOSALS, ExportFilter, Label, Row, Value, write_line_batches
from storage.export_cells import Cells, Labelled, labelled_rows, utf8

TITLE_CHARS = 150
HEADINGS = ("problem", "solution", "contribution", "axis", "pillar", "code")


@dataclass(frozen=True)
class DecidimOptions:
    locale: str
    headings: Mapping[str, str]
    """Texts of the body's headings in ``locale``: keys ``HEADINGS``."""
    categories: Mapping[str, str] = field(default_factory=dict)
    """Our axis id → the Decidim category id."""


def decidim_columns(locale: str) -> tuple[str, ...]:
    return ("id", f"title/{locale}", f"body/{locale}", "category/id", "scope/id", "address", "latitude", "longitude")


def decidim_row(row: Row, options: DecidimOptions) -> dict[str, Value]:
    locale = options.locale
    return {
        "id": row["code"],
        f"title/{locale}": title(row),
        f"body/{locale}": body(row, options.headings),
        "category/id": options.categories.get(str(row["axis_id"]), ""),
        "scope/id": "",
        "address": "",
        "latitude": row["latitude"],
        "longitude": row["longitude"],
    }


def title(row: Row) -> str:
    return _title(str(row["code"]), str(row["problem"]))


def _title(code: str, problem: str) -> str:
    """The tracking code and the start of the problem (its words, one space apart), at most ``TITLE_CHARS``."""
    head = f"{code}: "
    words = " ".join(problem.split())
    room = TITLE_CHARS - len(head)
    return head + (words if len(words) <= room else words[: room - 1].rstrip() + "…")


def body(row: Row, headings: Mapping[str, str]) -> str:
    sections = [f"{headings[key]}\n{row[key]}" for key in ("problem", "solution", "contribution")]
    facts = [f"{headings[key]}: {row[key]}" for key in ("axis", "pillar")]
    facts.append(f"{headings['code']}: {row['code']}")
    return "\n\n".join([*sections, "\n".join(facts)])


async def write_decidim(rows: AsyncIterator[Row], out: TextIO, options: DecidimOptions) -> int:
    """Write the import file (UTF-8 without byte-order mark, ``;``-separated); returns the number of rows."""
    columns = decidim_columns(options.locale)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        values = decidim_row(row, options)
        writer.writerow(["" if values[c] is None else str(values[c]) for c in columns])
        count += 1
    return count


async def decidim_lines(
    database: Database, label: Label, filters: ExportFilter, options: DecidimOptions
) -> AsyncIterator[list[bytes]]:
    """Every matching proposal as a line of the import file (UTF-8, no line ending), oldest first, in batches:
    the bytes ``write_decidim`` writes for it. The database writes the body, the category and the empty
    columns; Python the id, the title and the coordinates (the module's docstring says why)."""
    labels = (("axis", "pillar"), _label_text, _quoted)

    def columns(labelled: Labelled) -> Sequence[ColumnElement[Any]]:
        return _columns(labelled, options, database.is_sqlite)

    async for batch in labelled_rows(database, label, filters, labels, columns):
        yield [_line(row) for row in batch]


async def write_decidim_lines(batches: AsyncIterator[Sequence[bytes]], out: IO[bytes], options: DecidimOptions) -> int:
    """``write_decidim`` for rows that are already lines (``decidim_lines``); returns the number of rows."""
    header = io.StringIO()
    csv.writer(header, delimiter=";", lineterminator="\r\n").writerow(decidim_columns(options.locale))
    out.write(header.getvalue().encode())
    return await write_line_batches(batches, out, ending=b"\r\n")


def _columns(labelled: Labelled, options: DecidimOptions, sqlite: bool) -> Sequence[ColumnElement[Any]]:
    """What a row is read as: the code and the problem (for the id and the title), the rest of the line from
    the body on (bytes), the coordinates (the driver's floats as they are: nothing for SQLAlchemy to convert,
    so that the rows come straight from the driver's cursor)."""
    texts = [_quoted(PROPOSALS.c[column]) for column in ("problem", "solution", "contribution")]
    labels = [labelled(kind) for kind in ("axis", "pillar")]
    fields = [*texts, *labels, _quoted(PROPOSALS.c.code), _category(options.categories)]
    rest = func.format(_template(options.headings), *fields)
    latitude, longitude = (type_coerce(PROPOSALS.c[c], NullType()) for c in ("latitude", "longitude"))
    return (PROPOSALS.c.code, PROPOSALS.c.problem, utf8(rest, sqlite), latitude, longitude)


def _template(headings: Mapping[str, str]) -> str:
    """The line from the body on, as ``format`` takes it: the body is always in quotes (it has line breaks),
    its headings with their quotes doubled here and its texts by the database (``%s``), then the category, the
    empty scope and address, and the separator before the coordinates."""

    def heading(key: str) -> str:
        return headings[key].replace('"', '""').replace("%", "%%")

    sections = "\n\n".join(f"{heading(key)}\n%s" for key in ("problem", "solution", "contribution"))
    facts = "\n".join(f"{heading(key)}: %s" for key in ("axis", "pillar", "code"))
    return f';"{sections}\n\n{facts}";%s;;;'


def _quoted(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """A text inside the quoted body: its quotes doubled."""
    return func.replace(text, '"', '""')


def _label_text(text: str | None) -> str:
    """A label as the body shows it: ``None`` for an empty id (as ``body`` formats it), quotes doubled."""
    return str(text).replace('"', '""')


def _category(categories: Mapping[str, str]) -> ColumnElement[Any]:
    """The Decidim category of the proposal's axis, as a CSV field, or nothing."""
    if not categories:
        return literal("", String())
    fields = {axis: literal(_field(category), String()) for axis, category in sorted(categories.items())}
    return case(fields, value=PROPOSALS.c.axis_id, else_=literal("", String()))


def _line(row: Cells) -> bytes:
    """The id and the title, the database's bytes, the coordinates."""
    code, problem, rest, latitude, longitude = row
    start = f"{_field(str(code))};{_field(_title(str(code), str(problem)))}".encode() + typing.cast(bytes, rest)
    if latitude is None and longitude is None:
        return start + b";"
    return start + f"{_cell(latitude)};{_cell(longitude)}".encode()


def _cell(value: Value) -> str:
    return "" if value is None else _field(str(value))


def _field(text: str) -> str:
    """A field as the csv module writes it with ``;`` (``QUOTE_MINIMAL``)."""
    if ";" in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text
