"""The columns of a workshop spreadsheet, shared by the template and its import: a reference, the
table, then what a facilitator answers in the chat — the proposal's steps as the step table declares
them (axis, pillar, texts with their bounds) and how many people back it. Photos and locations are
for the chat only.

A column is recognised by its heading in any language of the catalogs, or by its key (``problem``),
so that a CSV typed by hand works too. Rows are numbered as the spreadsheet shows them (the header
is row 1)."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from config.consultation import Consultation
from handlers.i18n import N_, Catalogs
from handlers.intake.table import ChoiceInput, NumberInput, Step, StepTable, TextInput
from handlers.staff.requests import RequestError

REFERENCE = "reference"
TABLE = "table"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    """Message id of its heading."""
    step: Step | None = None
    """The step whose answer it holds (None for the reference and the table)."""

    @property
    def required(self) -> bool:
        return self.step is not None and not self.step.skippable and not isinstance(self.step.accepts, NumberInput)


def sheet_columns(steps: StepTable, consultation: Consultation) -> list[Column]:
    """The columns, in order, for the facilitator's steps of ``consultation``."""
    columns = [Column(REFERENCE, N_("Reference")), Column(TABLE, N_("Table"))]
    for step in steps:
        if isinstance(step.accepts, ChoiceInput | TextInput | NumberInput) and step.asked(consultation):
            columns.append(Column(step.field, step.heading or step.field, step))
    return columns


def normalised(text: str) -> str:
    """For comparing what people typed: case, accents and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def header_keys(header: list[str], columns: list[Column], catalogs: Catalogs) -> dict[int, str]:
    """Which column key each heading of ``header`` is (by position); unknown headings are left out."""
    names: dict[str, str] = {}
    for column in columns:
        names[normalised(column.key)] = column.key
        for language in catalogs.languages:
            names[normalised(catalogs.get(language)._(column.heading))] = column.key
    found: dict[int, str] = {}
    for position, heading in enumerate(header):
        key = names.get(normalised(heading))
        if key is not None and key not in found.values():
            found[position] = key
    return found


Rows = list[tuple[int, dict[str, str]]]
"""(row number as the spreadsheet shows it, values by column key)."""


def read_rows(path: Path, columns: list[Column], catalogs: Catalogs) -> Rows:
    """The rows of the first sheet of an ``.xlsx`` file, or of a CSV file (comma, semicolon or tab),
    by column key. ``RequestError`` when the file cannot be read or lacks a column."""
    cells = _xlsx_cells(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_cells(path)
    if not cells:
        raise RequestError(N_("{path} is empty."), path=path.name)
    header, *body = cells
    keys = header_keys(header, columns, catalogs)
    missing = [c.key for c in columns if c.required and c.key not in keys.values()]
    if missing:
        raise RequestError(N_("{path} has no column {value}."), path=path.name, value=", ".join(missing))
    return [
        (number, {key: (line[position] if position < len(line) else "") for position, key in keys.items()})
        for number, line in enumerate(body, start=2)
    ]


def _xlsx_cells(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise RequestError(N_("cannot read {path}: {reason}"), path=path.name, reason=str(error)[:200]) from None
    try:
        sheet = book.worksheets[0]
        return [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_cells(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RequestError(N_("cannot read {path}: {reason}"), path=path.name, reason=str(error)[:200]) from None
    first = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first or ",", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[cell.strip() for cell in line] for line in csv.reader(io.StringIO(text, newline=""), dialect)]
