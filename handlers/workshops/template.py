"""The spreadsheet a work table fills on a laptop, or a secretary types from the paper forms.

One row per proposal. Axis, pillar and table are chosen from drop-down lists (Excel data validation),
the texts are checked against the bounds the step table declares, and each heading carries a note
that explains its field. A second sheet explains the consultation's axes and pillars (it also holds
the lists the drop-downs show). Every row has a reference, unique to this file, so that importing the
same file twice imports nothing twice. Labels are in one language (Spanish by default).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from config.consultation import Consultation, Option
from handlers.i18n import N_, Translator
from handlers.intake.table import ChoiceInput, NumberInput, StepTable, TextInput
from handlers.workshops.origin import workshop_ref
from handlers.workshops.sheet import REFERENCE, TABLE, Column, sheet_columns
from handlers.workshops.template_size import DEFAULT_ROWS
from storage.models import Workshop, WorkshopTable

MAX_TABLES_WITHOUT_WORKSHOP = 20
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a reference may be read aloud or typed again."""
WIDTHS = {REFERENCE: 14, TABLE: 8, "axis": 34, "pillar": 30, "backers": 12}
TEXT_WIDTH = 50
NOTE_AUTHOR = "cocrea"


@dataclass(frozen=True)
class TemplateRequest:
    lang: str = "es"
    rows: int = DEFAULT_ROWS
    workshop: Workshop | None = None
    """With a workshop, the table list is its tables and its name heads the second sheet."""
    tables: tuple[WorkshopTable, ...] = ()


def new_file_token() -> str:
    """Six characters that make this file's references unique (about 10⁹ possibilities)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def write_template(
    out: str | Path | IO[bytes],
    steps: StepTable,
    consultation: Consultation,
    tr: Translator,
    request: TemplateRequest,
    token: str | None = None,
) -> None:
    """Write the workbook to ``out`` (a path or a binary file)."""

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = tr._("Proposals")[:31]
    guide = book.create_sheet(tr._("Axes and pillars")[:31])
    lists = _write_guide(guide, consultation, tr, request)
    columns = sheet_columns(steps, consultation)
    _write_header(sheet, columns, tr)
    _write_references(sheet, columns, token or new_file_token(), request.rows)
    _add_validations(sheet, columns, tr, request, lists)
    book.properties.title = tr._("Workshop proposals") + (
        f" · {workshop_ref(request.workshop.id)} {request.workshop.name}" if request.workshop else ""
    )
    book.save(out)


@dataclass(frozen=True)
class Lists:
    """Where, on the guide sheet, the drop-down lists of axes and pillars are."""

    axes: str
    pillars: str


def _write_guide(guide: Worksheet, consultation: Consultation, tr: Translator, request: TemplateRequest) -> Lists:

    lang = tr.language
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 42
    guide.column_dimensions["B"].width = 90
    row = 1
    if request.workshop is not None:
        workshop = request.workshop
        guide.cell(
            row, 1, f"{workshop_ref(workshop.id)} · {workshop.name} · {workshop.held_on.isoformat()}"
        ).font = Font(bold=True, size=13)
        row += 2

    def block(title: str, options: tuple[Option, ...]) -> str:
        nonlocal row
        guide.cell(row, 1, title).font = Font(bold=True, size=13)
        row += 1
        for column, heading in ((1, tr._("Choose in the list")), (2, tr._("What it covers"))):
            guide.cell(row, column, heading).font = bold
        row += 1
        first = row
        for option in options:
            guide.cell(row, 1, option.label(lang)).alignment = wrap
            guide.cell(row, 2, option.description(lang)).alignment = wrap
            row += 1
        row += 1
        return f"'{guide.title}'!$A${first}:$A${first + len(options) - 1}"

    axes = block(tr._("Thematic axes"), consultation.axes)
    pillars = block(tr._("Open-government pillars"), consultation.pillars)
    if request.tables:
        guide.cell(row, 1, tr._("Tables of this workshop")).font = Font(bold=True, size=13)
        row += 1
        for table in request.tables:
            axis = consultation.axis(table.axis_id) if table.axis_id else None
            guide.cell(row, 1, tr._("Table {table}").format(table=table.number))
            guide.cell(row, 2, axis.label(lang) if axis else tr._("any axis"))
            row += 1
    return Lists(axes, pillars)


NOTES = {
    REFERENCE: N_("Filled in already: it lets the import recognise this row. Do not change it."),
    TABLE: N_("The number of the work table the proposal comes from."),
}


def _note(column: Column, tr: Translator) -> str:
    if column.step is None:
        return tr._(NOTES[column.key])
    step = column.step
    accepts = step.accepts
    text = tr._(step.question).format(question="", count="")
    if isinstance(accepts, ChoiceInput):
        text += "\n" + tr._("Choose from the list; the second sheet explains each option.")
    elif isinstance(accepts, TextInput | NumberInput):
        bounds = accepts.bounds
        text += "\n" + (
            tr._("(between {minimum} and {maximum} characters)")
            if isinstance(accepts, TextInput)
            else tr._("(a number from {minimum} to {maximum})")
        ).format(minimum=bounds.minimum, maximum=bounds.maximum)
    if not column.required:
        text += "\n" + tr._("Optional.")
    return text


def _write_header(sheet: Worksheet, columns: list[Column], tr: Translator) -> None:

    fill = PatternFill("solid", fgColor="DDEBF7")
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(1, position, tr._(column.heading))
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        comment = Comment(_note(column, tr), NOTE_AUTHOR)
        comment.width, comment.height = 320, 160
        cell.comment = comment
        letter = get_column_letter(position)
        wide = column.step is not None and isinstance(column.step.accepts, TextInput)
        sheet.column_dimensions[letter].width = WIDTHS.get(column.key, TEXT_WIDTH if wide else 16)
        if wide:
            sheet.column_dimensions[letter].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"


def _write_references(sheet: Worksheet, columns: list[Column], token: str, rows: int) -> None:

    position = [c.key for c in columns].index(REFERENCE) + 1
    grey = Font(color="808080")
    for number in range(1, rows + 1):
        sheet.cell(number + 1, position, f"{token}-{number:03d}").font = grey


def _add_validations(
    sheet: Worksheet, columns: list[Column], tr: Translator, request: TemplateRequest, lists: Lists
) -> None:

    last = request.rows + 1
    tables = [t.number for t in request.tables] or list(range(1, MAX_TABLES_WITHOUT_WORKSHOP + 1))
    for position, column in enumerate(columns, start=1):
        area = f"{get_column_letter(position)}2:{get_column_letter(position)}{last}"
        step = column.step
        accepts = step.accepts if step is not None else None
        if column.key == TABLE:
            rule = DataValidation(type="list", formula1='"' + ",".join(map(str, tables)) + '"')
            message = tr._("Choose the table from the list.")
        elif column.key == "axis":
            rule = DataValidation(type="list", formula1=lists.axes)
            message = tr._("Choose the axis from the list.")
        elif column.key == "pillar":
            rule = DataValidation(type="list", formula1=lists.pillars)
            message = tr._("Choose the pillar from the list.")
        elif isinstance(accepts, TextInput):
            bounds = accepts.bounds
            rule = DataValidation(
                type="textLength", operator="between", formula1=str(bounds.minimum), formula2=str(bounds.maximum)
            )
            message = tr._("Write between {minimum} and {maximum} characters.").format(
                minimum=bounds.minimum, maximum=bounds.maximum
            )
        elif isinstance(accepts, NumberInput):
            bounds = accepts.bounds
            rule = DataValidation(
                type="whole", operator="between", formula1=str(bounds.minimum), formula2=str(bounds.maximum)
            )
            message = tr._("Write a number from {minimum} to {maximum}.").format(
                minimum=bounds.minimum, maximum=bounds.maximum
            )
        else:
            continue
        rule.allow_blank = True
        rule.showErrorMessage = True
        rule.errorTitle = tr._(column.heading)[:32]
        rule.error = message[:255]
        rule.add(area)
        sheet.add_data_validation(rule)
