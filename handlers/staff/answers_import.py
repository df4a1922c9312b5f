"""Bulk status changes from a spreadsheet: ``code,status,answer`` rows (Decidim's answer import shape).

Every row is checked first (a preview shows the result before anything changes); rejected rows are
reported with the reason and the others are applied in short transactions, with the authors'
notifications in the outbox. A row that changes nothing (same status and answer) is skipped, so
importing a file twice notifies nobody twice. One use case for the command line and the web desk.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from handlers.actors import Actor, channel_of
from handlers.i18n import N_, Translator
from handlers.moderation.recipients import supporters_of_many
from handlers.moderation.statuses import Change, StatusRefused, change_status, check
from handlers.outbox import post_later
from handlers.services import Services
from handlers.staff.requests import RequestError
from storage.models import Proposal
from storage.uow import UnitOfWork

REQUIRED_COLUMNS = ("code", "status", "answer")
MAX_FILE_CHARS = 5_000_000
BATCH = 200
"""Rows applied per transaction: short enough that the bot's writes never wait long."""

Rows = list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Rejection:
    line: int
    code: str
    refusal: StatusRefused

    @property
    def reason(self) -> str:
        """Why, in English (the command line)."""
        return str(self.refusal)

    def explain(self, tr: Translator) -> str:
        """Why, in the reader's language (the web desk)."""
        return self.refusal.explain(tr)


@dataclass
class ImportReport:
    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notified: int = 0


def missing_columns(header: Iterable[str]) -> list[str]:
    present = {column.strip().lower() for column in header}
    return [column for column in REQUIRED_COLUMNS if column not in present]


def read_answers(text: str, source: str) -> Rows:
    """The (line number, row) pairs of a ``code,status,answer`` file (comma, semicolon or tab separated).
    Raises ``RequestError`` when the file lacks a column, whatever its rows."""
    if len(text) > MAX_FILE_CHARS:
        raise RequestError(N_("{source} is too large for one import"), source=source)
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(lines[0] if lines else ",", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(lines, dialect=dialect)
    missing = missing_columns(reader.fieldnames or [])
    if missing:
        raise RequestError(
            N_("{source} has no column {columns} (expected: code,status,answer)"),
            source=source,
            columns=", ".join(missing),
        )
    return [
        (number, {k: v or "" for k, v in row.items() if isinstance(k, str)}) for number, row in enumerate(reader, 2)
    ]


async def preview_answers(uow: UnitOfWork, actor: Actor, rows: Iterable[tuple[int, Mapping[str, str]]]) -> ImportReport:
    """What importing ``rows`` would do, changing nothing: ``applied`` lists the codes that would change."""
    report, accepted = await _judge(uow, actor, rows)
    report.applied = [proposal.code for proposal, _ in accepted]
    return report


async def import_answers(
    services: Services,
    actor: Actor,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    source: str,
    *,
    via: str | None = None,
) -> ImportReport:
    """Check ``rows`` from the file named ``source`` (on a reading unit of work: no write lock), then apply
    the accepted ones in batches of ``BATCH`` short transactions, so that the bot keeps serving citizens
    meanwhile. An interrupted import is completed by importing the same file again: rows already applied
    change nothing and notify nobody."""
    async with services.uow.reading() as uow:
        report, accepted = await _judge(uow, actor, rows, via)
    changes = [(proposal.id, proposal.code, change) for proposal, change in accepted]
    for start in range(0, len(changes), BATCH):
        batch = changes[start : start + BATCH]
        async with services.uow() as uow:
            proposals = await uow.proposals.by_ids([proposal_id for proposal_id, _, _ in batch])
            authors = await uow.conversations.of_participants(
                [p.participant_id for p in proposals.values() if p.participant_id is not None]
            )
            supporters = await supporters_of_many(uow, list(proposals))
            for proposal_id, code, change in batch:
                if (proposal := proposals.get(proposal_id)) is not None:
                    notices = await change_status(uow, services, proposal, change, authors, supporters)
                    report.notified += post_later(uow, notices)
                    report.applied.append(code)
            await uow.commit()
        await services.uow.let_others_write()
    async with services.uow() as uow:
        await uow.audit.record(
            str(actor),
            "import_answers",
            source[-64:],
            applied=len(report.applied),
            unchanged=len(report.unchanged),
            rejected=len(report.rejected),
            **channel_of(via),
        )
        await uow.commit()
    return report


async def _judge(
    uow: UnitOfWork, actor: Actor, rows: Iterable[tuple[int, Mapping[str, str]]], via: str | None = None
) -> tuple[ImportReport, list[tuple[Proposal, Change]]]:
    """Each row checked: the changes to make, and the report of rows rejected or changing nothing."""
    numbered = [(line, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}) for line, row in rows]
    proposals = await uow.proposals.by_codes([row.get("code", "") for _, row in numbered])
    report = ImportReport()
    accepted: list[tuple[Proposal, Change]] = []
    seen: dict[str, int] = {}
    for line, row in numbered:
        code = row.get("code", "")
        verdict = _verdict(row, proposals.get(code), seen.get(code), actor, via)
        seen.setdefault(code, line)
        if isinstance(verdict, StatusRefused):
            report.rejected.append(Rejection(line, code, verdict))
        elif verdict is None:
            report.unchanged.append(code)
        else:
            accepted.append((proposals[code], verdict))
    return report, accepted


def _verdict(
    row: Mapping[str, str], proposal: Proposal | None, earlier_line: int | None, actor: Actor, via: str | None
) -> Change | StatusRefused | None:
    """The change to make, why the row is rejected, or None when it changes nothing."""
    code, status, answer = row.get("code", ""), row.get("status", "").lower(), row.get("answer", "")
    if not code:
        return StatusRefused(N_("the code is empty"))
    if earlier_line is not None:
        return StatusRefused(N_("{code} already appears on line {line}"), code=code, line=earlier_line)
    if proposal is None:
        return StatusRefused(N_("no proposal has the code {code}"), code=code)
    change = Change(status, answer, actor, via)
    try:
        check(proposal, change)
    except StatusRefused as refused:
        return refused
    if proposal.status == status and (proposal.status_reason or "") == answer:
        return None
    return change
