"""Bulk status changes from a spreadsheet: ``code,status,answer`` rows (Decidim's answer import shape).

Every row is checked first; rejected rows are reported with the reason and the others are
applied together, in the caller's single transaction. A row that changes nothing (same
status and answer) is skipped, so importing a file twice notifies nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers.i18n import Catalogs
from handlers.messages import Outgoing
from handlers.statuses import Change, StatusRefused, change_status, check
from storage.models import Proposal
from storage.uow import UnitOfWork

REQUIRED_COLUMNS = ("code", "status", "answer")


@dataclass(frozen=True)
class Rejection:
    line: int
    code: str
    reason: str


@dataclass
class ImportReport:
    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[Outgoing] = field(default_factory=list)


def missing_columns(header: Iterable[str]) -> list[str]:
    present = {column.strip().lower() for column in header}
    return [column for column in REQUIRED_COLUMNS if column not in present]


async def import_answers(
    uow: UnitOfWork, catalogs: Catalogs, rows: Iterable[tuple[int, Mapping[str, str]]], actor: str,
    now: datetime, timezone: str,
) -> ImportReport:
    """``rows`` are (line number, row) pairs; nothing is committed here."""
    numbered = [(line, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}) for line, row in rows]
    proposals = await uow.proposals.by_codes([row.get("code", "") for _, row in numbered])
    report = ImportReport()
    accepted: list[tuple[Proposal, Change]] = []
    seen: dict[str, int] = {}
    for line, row in numbered:
        code = row.get("code", "")
        verdict = _verdict(row, proposals.get(code), seen.get(code), actor)
        seen.setdefault(code, line)
        if isinstance(verdict, str):
            report.rejected.append(Rejection(line, code, verdict))
        elif verdict is None:
            report.unchanged.append(code)
        else:
            accepted.append((proposals[code], verdict))
    for proposal, change in accepted:
        report.notices += await change_status(uow, catalogs, proposal, change, now, timezone)
        report.applied.append(proposal.code)
    return report


def _verdict(row: Mapping[str, str], proposal: Proposal | None, earlier_line: int | None,
             actor: str) -> Change | str | None:
    """The change to make, a reason to reject the row, or None when it changes nothing."""
    code, status, answer = row.get("code", ""), row.get("status", "").lower(), row.get("answer", "")
    if not code:
        return "the code is empty"
    if earlier_line is not None:
        return f"{code} already appears on line {earlier_line}"
    if proposal is None:
        return f"no proposal has the code {code}"
    change = Change(status, answer, actor)
    try:
        check(proposal, change)
    except StatusRefused as refused:
        return str(refused)
    if proposal.status == status and (proposal.status_reason or "") == answer:
        return None
    return change
