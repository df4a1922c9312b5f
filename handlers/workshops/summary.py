"""The plenary summary of a workshop: per table, its proposals grouped by thematic axis with their
tracking codes — what each table's spokesperson reads aloud or projects in the plenary.

``plenary`` gathers it (one use case, audited); ``write_markdown`` and ``write_docx`` (python-docx)
lay it out in the reader's language. Proposals moderators hid are left out: the summary is shown to
everyone in the room.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from handlers.actors import Actor
from handlers.i18n import N_, Translator
from handlers.services import Services
from handlers.staff.stats_report import axis_label, ordered_ids
from handlers.workshops.origin import workshop_ref
from storage.models import Proposal, Workshop, WorkshopOrigin
from storage.uow import UnitOfWork

FORMATS = ("docx", "md")


@dataclass(frozen=True)
class Item:
    code: str
    problem: str
    solution: str
    backers: int | None


@dataclass(frozen=True)
class AxisGroup:
    axis: str
    """The axis label."""
    items: tuple[Item, ...]


@dataclass(frozen=True)
class TableSummary:
    number: int
    axis: str | None
    """The axis the table works on, if it has one."""
    groups: tuple[AxisGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(group.items) for group in self.groups)


@dataclass(frozen=True)
class Plenary:
    ref: str
    name: str
    held_on: str
    """The day, in the reader's language."""
    place: str | None
    zone: str | None
    tables: tuple[TableSummary, ...]

    @property
    def count(self) -> int:
        return sum(table.count for table in self.tables)


async def plenary(
    uow: UnitOfWork, services: Services, actor: Actor, workshop: Workshop, tr: Translator, *, target: str
) -> Plenary:
    """The summary of ``workshop`` in ``tr``'s language, written to the audit log (committed by the caller)."""
    consultation, lang = services.consultation, tr.language
    found = [(p, o) for p, o in await uow.workshops.proposals_of(workshop.id) if not p.hidden]
    tables = []
    for table in await uow.workshops.tables(workshop.id):
        at_table = [(p, o) for p, o in found if o.table_number == table.number]
        tables.append(
            TableSummary(
                table.number,
                axis_label(consultation, table.axis_id, lang) if table.axis_id else None,
                tuple(_by_axis(services, at_table, lang)),
            )
        )
    zone = consultation.zone(workshop.zone) if workshop.zone else None
    await uow.audit.record(str(actor), "workshop.summary", workshop_ref(workshop.id), file=target[-64:])
    return Plenary(
        workshop_ref(workshop.id),
        workshop.name,
        tr.day(workshop.held_on),
        workshop.place,
        zone.label(lang) if zone else None,
        tuple(tables),
    )


def _by_axis(services: Services, found: list[tuple[Proposal, WorkshopOrigin]], lang: str) -> Iterable[AxisGroup]:
    consultation = services.consultation
    counts = {p.axis_id: 0 for p, _ in found}
    for axis_id in ordered_ids(consultation.axes, counts):
        items = tuple(Item(p.code, p.problem, p.solution, o.backers) for p, o in found if p.axis_id == axis_id)
        if items:
            yield AxisGroup(axis_label(consultation, axis_id, lang), items)


# --- the documents --------------------------------------------------------------------------------

TITLE = N_("Plenary summary: {workshop}")


def _subtitle(summary: Plenary, tr: Translator) -> str:
    parts = [summary.ref, summary.held_on, summary.zone, summary.place]
    proposals = tr.n_("{count} proposal", "{count} proposals", summary.count).format(count=summary.count)
    return " · ".join(part for part in [*parts, proposals] if part)


def _table_heading(table: TableSummary, tr: Translator) -> str:
    heading = tr._("Table {table}").format(table=table.number)
    return f"{heading} · {table.axis}" if table.axis else heading


def _backers(item: Item, tr: Translator) -> str:
    if item.backers is None:
        return ""
    return tr.n_(
        "Backed by {count} person at the table.", "Backed by {count} people at the table.", item.backers
    ).format(count=item.backers)


def write_markdown(summary: Plenary, tr: Translator, out: TextIO) -> None:
    out.write(f"# {tr._(TITLE).format(workshop=summary.name)}\n\n{_subtitle(summary, tr)}\n")
    for table in summary.tables:
        out.write(f"\n## {_table_heading(table, tr)}\n")
        if not table.groups:
            out.write(f"\n{tr._('No proposals from this table yet.')}\n")
        for group in table.groups:
            out.write(f"\n### {group.axis}\n\n")
            for item in group.items:
                out.write(f"- **{item.code}** — {_one_line(item.problem)}\n")
                out.write(f"  - {tr._('Proposal:')} {_one_line(item.solution)}\n")
                if item.backers is not None:
                    out.write(f"  - {_backers(item, tr)}\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_docx(summary: Plenary, tr: Translator, out: str | Path | IO[bytes]) -> None:
    """A Word document with a heading per table and per axis, readable when projected."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(12)
    document.core_properties.title = tr._(TITLE).format(workshop=summary.name)
    document.add_heading(tr._(TITLE).format(workshop=summary.name), level=0)
    document.add_paragraph(_subtitle(summary, tr))
    for table in summary.tables:
        document.add_heading(_table_heading(table, tr), level=1)
        if not table.groups:
            document.add_paragraph(tr._("No proposals from this table yet."))
        for group in table.groups:
            document.add_heading(group.axis, level=2)
            for item in group.items:
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(item.code).bold = True
                paragraph.add_run(f" — {_one_line(item.problem)}")
                detail = document.add_paragraph()
                detail.paragraph_format.left_indent = Pt(18)
                detail.add_run(tr._("Proposal:") + " ").italic = True
                detail.add_run(_one_line(item.solution))
                if item.backers is not None:
                    detail.add_run("\n" + _backers(item, tr))
    document.save(str(out) if isinstance(out, Path) else out)
