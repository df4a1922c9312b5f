"""The commitments export: one row (CSV, Excel, JSON) or one section (Word, Markdown) per commitment in
the OGP template, each with the codes of its source proposals and the number of people behind it.

The Word document is what a municipality pastes into its action plan: a heading per commitment, the
template's fields as a two-column table, its milestones as a table. Labels are in the reader's language;
CSV and JSON keep ids for column names (JSON also for the OGP values), as the proposal exports do."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import IO

from handlers.actors import Actor, channel_of
from handlers.consolidation.commitment_formats import FORMATS
from handlers.consolidation.commitment_rules import CommitmentRefused
from handlers.consolidation.commitment_template import FIELDS, ogp_value_labels
from handlers.consolidation.commitment_view import CommitmentView, list_commitments
from handlers.i18n import N_, Translator
from handlers.services import Services
from storage.export import looks_like_formula, spreadsheet_row
from storage.export_xlsx import cell_text
from storage.models import Milestone
from storage.uow import UnitOfWork

COLUMNS = (
    "code",
    "title",
    *FIELDS,
    "lead_suggested",
    "milestones",
    "sources",
    "people",
)

TITLES: dict[str, str] = {
    "code": N_("Code"),
    "title": N_("Commitment"),
    **FIELDS,
    "lead_suggested": N_("Lead institution suggested by citizens"),
    "milestones": N_("Milestones"),
    "sources": N_("Source proposals"),
    "people": N_("People behind it"),
}

DOCUMENT_TITLE = N_("Commitments of the action plan: {consultation}")
SUGGESTED = N_("suggested by citizens; to be confirmed")
TABLE_ROWS = (*FIELDS, "sources", "people")
"""The rows of a commitment's table in the Word and Markdown documents (its milestones follow)."""

WIDTHS = {"code": 10, "title": 40, "people": 10, "lead_suggested": 12, "sources": 24, "starts_on": 12, "ends_on": 12}


def check_export_format(value: str) -> str:
    if value not in FORMATS:
        raise CommitmentRefused(N_("Unknown format {value}. Formats: {known}."), value=value, known=", ".join(FORMATS))
    return value


async def export_commitments(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    format: str,
    tr: Translator,
    out: IO[bytes],
    *,
    target: str,
    via: str | None = None,
) -> int:
    """Write the consultation's commitments in ``format`` into ``out`` (a binary file) and record the export
    in the audit log (committed by the caller); returns how many commitments were written."""
    check_export_format(format)
    views = await list_commitments(uow, services)
    write_commitments(views, format, tr, services.consultation.name(tr.language), out)
    await uow.audit.record(
        str(actor),
        "commitment.export",
        target[-64:],
        format=format,
        lang=tr.language,
        rows=len(views),
        **channel_of(via),
    )
    return len(views)


def write_commitments(
    views: Sequence[CommitmentView], format: str, tr: Translator, consultation: str, out: IO[bytes]
) -> None:
    """``consultation`` is the consultation's name in ``tr``'s language (the documents' title)."""
    check_export_format(format)
    if format == "xlsx":
        _write_xlsx(views, tr, out)
        return
    if format == "docx":
        _write_docx(views, tr, consultation, out)
        return
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if format == "csv" else "utf-8", newline="")
    try:
        if format == "csv":
            _write_csv(views, tr, text)
        elif format == "json":
            _write_json(views, text)
        else:
            _write_markdown(views, tr, consultation, text)
    finally:
        text.flush()
        text.detach()


# --- values ---------------------------------------------------------------------------------------


def milestone_line(milestone: Milestone, tr: Translator) -> str:
    """``2. Publicar los horarios · vence 31 mar 2027 · cumplido``."""
    parts = [f"{milestone.number}. {milestone.title}"]
    if milestone.due_on is not None:
        parts.append(tr._("due {date}").format(date=tr.day(milestone.due_on)))
    if milestone.done_at is not None:
        parts.append(tr._("done on {date}").format(date=tr.date(milestone.done_at)))
    return " · ".join(parts)


def _text_values(view: CommitmentView, tr: Translator) -> dict[str, str | int]:
    """Each column as people read it, in ``tr``'s language."""
    c = view.commitment
    return {
        "code": c.code,
        "title": c.title,
        "problem": c.problem,
        "status_quo": c.status_quo,
        "action": c.action,
        "contribution": c.contribution,
        "long_term_goal": c.long_term_goal,
        "ogp_values": "; ".join(ogp_value_labels(c.ogp_values, tr)),
        "policy_area": c.policy_area,
        "sector": c.sector,
        "lead_institution": c.lead_institution,
        "supporting_institutions": c.supporting_institutions,
        "starts_on": tr.day(c.starts_on) if c.starts_on else "",
        "ends_on": tr.day(c.ends_on) if c.ends_on else "",
        "lead_suggested": tr._("Yes") if c.lead_suggested else tr._("No"),
        "milestones": "\n".join(milestone_line(m, tr) for m in view.milestones),
        "sources": ", ".join(view.codes),
        "people": view.people,
    }


# --- CSV and JSON ----------------------------------------------------------------------------------


def _write_csv(views: Sequence[CommitmentView], tr: Translator, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for view in views:
        row = _text_values(view, tr)
        c = view.commitment
        row.update(
            starts_on=c.starts_on.isoformat() if c.starts_on else "",
            ends_on=c.ends_on.isoformat() if c.ends_on else "",
            lead_suggested="true" if c.lead_suggested else "false",
        )
        writer.writerow(spreadsheet_row(row, COLUMNS))


def _write_json(views: Sequence[CommitmentView], out: IO[str]) -> None:
    items = []
    for view in views:
        c = view.commitment
        items.append(
            {
                "code": c.code,
                "title": c.title,
                "problem": c.problem,
                "status_quo": c.status_quo,
                "action": c.action,
                "contribution": c.contribution,
                "long_term_goal": c.long_term_goal,
                "ogp_values": list(c.ogp_values),
                "policy_area": c.policy_area,
                "sector": c.sector,
                "lead_institution": c.lead_institution,
                "supporting_institutions": c.supporting_institutions,
                "starts_on": c.starts_on.isoformat() if c.starts_on else None,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
                "lead_suggested": c.lead_suggested,
                "milestones": [
                    {
                        "number": m.number,
                        "title": m.title,
                        "due_on": m.due_on.isoformat() if m.due_on else None,
                        "done_at": m.done_at.isoformat(timespec="seconds") if m.done_at else None,
                    }
                    for m in view.milestones
                ],
                "sources": view.codes,
                "people": view.people,
            }
        )
    json.dump(items, out, ensure_ascii=False, indent=2)
    out.write("\n")


# --- Excel -----------------------------------------------------------------------------------------


def _write_xlsx(views: Sequence[CommitmentView], tr: Translator, out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = tr._("Commitments")[:31]
    sheet.append([tr._(TITLES[column]) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, view in enumerate(views, start=2):
        values = _text_values(view, tr)
        for index, column in enumerate(COLUMNS, start=1):
            value = values[column]
            cell = sheet.cell(row=number, column=index, value=cell_text(value) if isinstance(value, str) else value)
            if isinstance(value, str) and looks_like_formula(value):
                cell.data_type = "s"  # shown as written, never run as a formula
            cell.alignment = wrap
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, 40)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(views) + 1}"
    book.save(out)


# --- documents -------------------------------------------------------------------------------------


def _table_rows(view: CommitmentView, tr: Translator) -> list[tuple[str, str]]:
    values = _text_values(view, tr)
    rows = []
    for key in TABLE_ROWS:
        value = str(values[key])
        if key == "lead_institution" and view.commitment.lead_suggested and value:
            value += " (" + tr._(SUGGESTED) + ")"
        rows.append((tr._(TITLES[key]), value))
    return rows


def _heading(view: CommitmentView) -> str:
    return f"{view.commitment.code} — {view.commitment.title}"


def _write_docx(views: Sequence[CommitmentView], tr: Translator, consultation: str, out: IO[bytes]) -> None:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    title = tr._(DOCUMENT_TITLE).format(consultation=consultation)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    if not views:
        document.add_paragraph(tr._("No commitments yet."))
    for view in views:
        document.add_heading(_heading(view), level=1)
        rows = _table_rows(view, tr)
        table = document.add_table(rows=len(rows), cols=2)
        table.style = "Table Grid"
        for (label, value), row in zip(rows, table.rows, strict=True):
            row.cells[0].paragraphs[0].add_run(label).bold = True
            row.cells[1].text = value
        if view.milestones:
            document.add_heading(tr._(TITLES["milestones"]), level=2)
            steps = document.add_table(rows=1 + len(view.milestones), cols=4)
            steps.style = "Table Grid"
            for cell, label in zip(
                steps.rows[0].cells, ("#", tr._("Milestone"), tr._("Due"), tr._("Done")), strict=True
            ):
                cell.paragraphs[0].add_run(label).bold = True
            for milestone, row in zip(view.milestones, steps.rows[1:], strict=True):
                row.cells[0].text = str(milestone.number)
                row.cells[1].text = milestone.title
                row.cells[2].text = tr.day(milestone.due_on) if milestone.due_on else ""
                row.cells[3].text = tr.date(milestone.done_at) if milestone.done_at else ""
    document.save(out)


def _md_cell(text: str) -> str:
    """One table cell: pipes escaped, lines kept apart with ``<br>``."""
    return "<br>".join(part.strip() for part in text.replace("|", "\\|").splitlines() if part.strip()) or " "


def _write_markdown(views: Sequence[CommitmentView], tr: Translator, consultation: str, out: IO[str]) -> None:
    out.write(f"# {tr._(DOCUMENT_TITLE).format(consultation=consultation)}\n")
    if not views:
        out.write(f"\n{tr._('No commitments yet.')}\n")
    for view in views:
        out.write(f"\n## {_heading(view)}\n\n| | |\n|---|---|\n")
        for label, value in _table_rows(view, tr):
            out.write(f"| **{_md_cell(label)}** | {_md_cell(value)} |\n")
        if view.milestones:
            out.write(f"\n### {tr._(TITLES['milestones'])}\n\n")
            for milestone in view.milestones:
                mark = "x" if milestone.done_at is not None else " "
                out.write(f"- [{mark}] {milestone_line(milestone, tr)}\n")
