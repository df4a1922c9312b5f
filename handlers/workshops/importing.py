"""Workshop proposals from a spreadsheet (the template, or a CSV with the same columns).

Every row is checked first, with the rules of the chat: the axis, the pillar and the table must
exist, and every text must be within the bounds the step table declares. Rejected rows are reported
with their row number and the reasons; the valid rows are stored together, in the caller's single
transaction, with their cards for the moderators. A row whose reference was imported before is
skipped, so importing the same file twice imports nothing twice (a row without a reference gets one
made from its content). Rows left empty are ignored. One use case for the command line and the web desk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from handlers.intake.draft import Draft
from handlers.intake.table import ChoiceInput, NumberInput, TextInput
from handlers.intake.text_input import examine
from handlers.messages import Outgoing
from handlers.moderation.cards import card
from handlers.services import Services
from handlers.workshops.entry import EnteredBy, Seat, origin_of, store_proposal
from handlers.workshops.origin import workshop_ref
from handlers.workshops.sheet import REFERENCE, TABLE, Column, normalised, sheet_columns
from handlers.workshops.steps import facilitator_steps
from storage.models import Workshop
from storage.uow import UnitOfWork

MAX_REFERENCE = 80
TEXT_PROBLEMS = {
    "control": "{field} contains invisible control characters",
    "empty": "{field} is empty",
    "symbols": "{field} has no words, only symbols",
    "short": "{field} is too short: {length} characters, at least {minimum}",
    "long": "{field} is too long: {length} characters, at most {maximum}",
}


@dataclass(frozen=True)
class Rejection:
    row: int
    reference: str
    reason: str


@dataclass
class ImportReport:
    imported: list[tuple[int, str]] = field(default_factory=list)
    """(row, tracking code) of each proposal stored."""
    already: list[tuple[int, str]] = field(default_factory=list)
    """(row, reference) of rows imported before."""
    rejected: list[Rejection] = field(default_factory=list)
    messages: list[Outgoing] = field(default_factory=list)
    """The cards owed to the moderators (the caller posts them in the same transaction)."""


@dataclass(frozen=True)
class Checked:
    reference: str
    table: int
    draft: Draft


async def import_proposals(
    uow: UnitOfWork,
    services: Services,
    workshop: Workshop,
    rows: Sequence[tuple[int, Mapping[str, str]]],
    by: EnteredBy,
    source: str,
) -> ImportReport:
    """Check and store ``rows`` as proposals of ``workshop``; nothing is committed here."""
    columns = sheet_columns(facilitator_steps(services.steps), services.consultation)
    tables = {table.number: table.axis_id for table in await uow.workshops.tables(workshop.id)}
    filled = [(number, row) for number, row in rows if _filled(row)]
    known = await uow.workshops.known_references([_reference(workshop, row) for _, row in filled])
    report = ImportReport()
    accepted: list[tuple[int, Checked]] = []
    first_row: dict[str, int] = {}
    for number, row in filled:
        reference = _reference(workshop, row)
        if reference in first_row:
            report.rejected.append(
                Rejection(number, reference, f"the reference {reference} is also on row {first_row[reference]}")
            )
            continue
        first_row[reference] = number
        if reference in known:
            report.already.append((number, reference))
            continue
        verdict = _check(row, reference, columns, services, tables)
        if isinstance(verdict, str):
            report.rejected.append(Rejection(number, reference, verdict))
        else:
            accepted.append((number, verdict))
    stored = []
    for number, checked in accepted:
        seat = Seat(workshop, checked.table)
        proposal = await store_proposal(uow, services, seat, checked.draft, by, reference=checked.reference)
        stored.append(proposal)
        report.imported.append((number, proposal.code))
        moderators_card = card(services, proposal, origin_of(seat, checked.draft.backers))
        if moderators_card is not None:
            report.messages.append(moderators_card)
    await services.similar.store(uow, stored)  # one batch: encoding many texts at once is much faster
    await uow.audit.record(
        str(by.actor),
        "workshop.import",
        workshop_ref(workshop.id),
        file=source[-64:],
        imported=len(report.imported),
        already=len(report.already),
        rejected=len(report.rejected),
    )
    return report


def _filled(row: Mapping[str, str]) -> bool:
    """Whether anything but the prefilled reference was written on the row."""
    return any(value.strip() for key, value in row.items() if key != REFERENCE)


def _reference(workshop: Workshop, row: Mapping[str, str]) -> str:
    """The row's reference; for a row without one, a reference made from the row's content."""
    given = row.get(REFERENCE, "").strip()
    if given:
        return given[:MAX_REFERENCE]
    content = "\x1f".join([str(workshop.id), *(normalised(row[key]) for key in sorted(row) if key != REFERENCE)])
    return "auto-" + hashlib.sha256(content.encode()).hexdigest()[:20]


def _check(
    row: Mapping[str, str],
    reference: str,
    columns: list[Column],
    services: Services,
    tables: Mapping[int, str | None],
) -> Checked | str:
    """The row as a draft, or every reason it is rejected (joined by ``; ``)."""
    reasons: list[str] = []
    table = _table(row.get(TABLE, ""), tables, reasons)
    draft = Draft()
    for column in columns:
        step, raw = column.step, row.get(column.key, "").strip()
        if step is None:
            continue
        accepts = step.accepts
        if isinstance(accepts, ChoiceInput):
            if not raw and column.key == "axis" and table is not None and tables.get(table):
                raw = tables[table] or ""  # a table that works on one axis gives it to its proposals
            chosen = _choices(accepts, services).get(normalised(raw))
            if not raw:
                reasons.append(f"{column.key} is empty")
            elif chosen is None:
                reasons.append(f"unknown {column.key} {raw!r}")
            draft = draft.with_value(step.field, chosen)
        elif isinstance(accepts, TextInput):
            checked = examine(raw, accepts.bounds)
            if checked.problem is not None:
                reasons.append(
                    TEXT_PROBLEMS[checked.problem].format(
                        field=column.key,
                        length=len(checked.text),
                        minimum=accepts.bounds.minimum,
                        maximum=accepts.bounds.maximum,
                    )
                )
            draft = draft.with_value(step.field, checked.text)
        elif isinstance(accepts, NumberInput) and raw:
            bounds = accepts.bounds
            if not raw.isdecimal() or len(raw) > 9 or not bounds.minimum <= int(raw) <= bounds.maximum:
                reasons.append(f"{column.key} must be a whole number from {bounds.minimum} to {bounds.maximum}")
            else:
                draft = draft.with_value(step.field, int(raw))
    if reasons or table is None:
        return "; ".join(reasons)
    return Checked(reference, table, draft)


def _table(raw: str, tables: Mapping[int, str | None], reasons: list[str]) -> int | None:
    value = raw.strip()
    if not value and len(tables) == 1:
        return next(iter(tables))
    if not value:
        reasons.append("table is empty")
        return None
    number = value.split()[0].rstrip(".·")
    if not number.isdecimal() or len(number) > 4 or int(number) not in tables:
        reasons.append(f"no table {value!r} in this workshop (tables 1 to {max(tables, default=0)})")
        return None
    return int(number)


def _choices(accepts: ChoiceInput, services: Services) -> dict[str, str]:
    """Every way a person may write an option — its id, its label or short label in any
    language of the consultation — → its id."""
    names: dict[str, str] = {}
    for language in services.consultation.languages:
        for answer in accepts.options(services.consultation, services.translator(language)):
            for text in (answer.id, answer.label, answer.short):
                if text:
                    names.setdefault(normalised(text), answer.id)
    return names
