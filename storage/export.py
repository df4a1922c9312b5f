"""Streaming exports of submitted proposals: rows are read in batches, never all at once.

The caller supplies the label lookup (axis, pillar, zone and sector names in a
language, and how a workshop is named), so storage knows nothing about consultations
or catalogs. A workshop proposal's row carries its origin (workshop, table, backers),
read with an outer join; a chat proposal's leaves those columns empty.

A row holds every column of the proposals table (with labels for the ids of choices
and times in the consultation's zone) and a few computed ones (follow-up messages,
supporters, photos); the caller says which columns a file has and in which order
(``handlers/staff/columns.py``). ``public_row`` keeps only what the public repository
may show: the day, never the time of day. Rows for the public also carry ``commitment``: the codes of
the commitments the proposal became part of, space-separated, read in the same streamed query.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true

from storage.database import READ_ONLY, Database
from storage.models import Commitment, CommitmentSource, Proposal, Support, ThreadMessage, Workshop, WorkshopOrigin

EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel sheet, the header included (here, so that knowing it does not load openpyxl)."""

FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))
BATCH = 1000

Label = Callable[[str, str, str], str]
"""(consultation slug, kind, id) → label: each row is labelled by its own consultation."""
Value = str | int | float | None
Row = Mapping[str, Value]


@dataclass(frozen=True)
class ExportFilter:
    """Which proposals to read. Empty tuples mean "any"; ``since`` is inclusive, ``until`` exclusive."""

    consultation: str | None = None
    axes: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    sources: tuple[str, ...] = ()
    """``chat``, ``workshop``."""
    workshops: tuple[int, ...] = ()
    """Proposals of these workshops (by id)."""
    published_only: bool = False
    """Leave out proposals moderators hid and those their authors withdrew (for anything made public)."""
    search: str = ""
    """Words that the code or one of the texts must contain (any case), all of them."""
    codes: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """The filters that are set, as plain values (for the audit log)."""
        values = {
            "consultation": self.consultation,
            "axis": list(self.axes),
            "pillar": list(self.pillars),
            "zone": list(self.zones),
            "status": list(self.statuses),
            "language": list(self.languages),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "source": list(self.sources),
            "workshop": list(self.workshops),
            "search": self.search or None,
            "code": list(self.codes),
        }
        return {key: value for key, value in values.items() if value}


EVERYTHING = ExportFilter()

_TABLE = Proposal.__table__
_THREADS = ThreadMessage.__table__
_SUPPORTS = Support.__table__
_ORIGINS = WorkshopOrigin.__table__
_WORKSHOPS = Workshop.__table__
_SOURCES = CommitmentSource.__table__
_COMMITMENTS = Commitment.__table__
PROPOSALS, ORIGINS, SOURCES, COMMITMENTS = _TABLE, _ORIGINS, _SOURCES, _COMMITMENTS
"""The tables, for the exports whose cells SQL builds (``storage.export_cells``)."""


def conditions(filters: ExportFilter, *, whole_table: bool = False) -> ColumnElement[bool]:
    """The WHERE clause of ``filters`` on the proposals table (shared with the statistics).

    ``whole_table``: the query reads (nearly) every row in id order, a stream. The consultation is then
    compared so that no index can serve it: SQLite would otherwise pick the consultation's index and
    sort every row before giving the first one, where reading the table in id order streams at once."""
    clauses: list[ColumnElement[bool]] = []
    if filters.consultation:
        column = _TABLE.c.consultation.concat("") if whole_table else _TABLE.c.consultation
        clauses.append(column == filters.consultation)
    for column, wanted in (
        (_TABLE.c.axis_id, filters.axes),
        (_TABLE.c.pillar_id, filters.pillars),
        (_TABLE.c.zone, filters.zones),
        (_TABLE.c.status, filters.statuses),
        (_TABLE.c.language, filters.languages),
        (_TABLE.c.source, filters.sources),
        (_TABLE.c.code, filters.codes),
    ):
        if wanted:
            clauses.append(column.in_(wanted))
    if filters.workshops:
        of_workshops = select(_ORIGINS.c.proposal_id).where(_ORIGINS.c.workshop_id.in_(filters.workshops))
        clauses.append(_TABLE.c.id.in_(of_workshops))
    if filters.since is not None:
        clauses.append(_TABLE.c.submitted_at >= filters.since)
    if filters.until is not None:
        clauses.append(_TABLE.c.submitted_at < filters.until)
    if filters.published_only:
        clauses.append(_TABLE.c.hidden == false())
        clauses.append(_TABLE.c.status != "withdrawn")
    clauses += [_contains(word) for word in filters.search.split()]
    return and_(true(), *clauses)


def _contains(word: str) -> ColumnElement[bool]:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    searched = (_TABLE.c.code, _TABLE.c.problem, _TABLE.c.solution, _TABLE.c.contribution)
    return or_(*(column.ilike(pattern, escape="\\") for column in searched))


def _query(filters: ExportFilter, *, newest_first: bool | None = None, commitments: bool = False) -> Select[Any]:
    """Every matching row in id order (a stream), or a page's rows by submission time, newest or oldest first.
    ``commitments``: each row also carries the codes of its commitments (``commitment``)."""
    query = _columns(commitments)
    if newest_first is None:
        return query.where(conditions(filters, whole_table=True)).order_by(_TABLE.c.id)
    moment, number = _TABLE.c.submitted_at, _TABLE.c.id
    order = (moment.desc(), number.desc()) if newest_first else (moment, number)
    return query.where(conditions(filters)).order_by(*order)


@functools.cache
def _columns(commitments: bool = False) -> Select[Any]:
    """What a row holds, built once (a page asks for it on every visit; statements are immutable)."""
    follow_ups = (
        select(func.count())
        .where(_THREADS.c.proposal_id == _TABLE.c.id)
        .correlate(_TABLE)
        .scalar_subquery()
        .label("follow_up_count")
    )
    supporters = (
        select(func.count())
        .where(_SUPPORTS.c.proposal_id == _TABLE.c.id)
        .correlate(_TABLE)
        .scalar_subquery()
        .label("supporters")
    )
    attachments = func.coalesce(func.json_array_length(_TABLE.c.attachments), 0).label("attachment_count")
    columns = [column for column in _TABLE.c if column.name != "attachments"]
    origin = (
        _ORIGINS.c.workshop_id.label("workshop_id"),
        _WORKSHOPS.c.name.label("workshop"),
        _ORIGINS.c.table_number.label("table"),
        _ORIGINS.c.backers.label("backers"),
    )
    extra = (_commitment_codes(),) if commitments else ()
    return select(*columns, *origin, follow_ups, supporters, attachments, *extra).select_from(joined())


@functools.cache
def row_columns() -> dict[str, Any]:
    """What a row of ``proposal_rows`` is read from, by column name (``storage.export_cells`` builds its
    cells from the same expressions)."""
    return {column.name: column for column in _columns(commitments=True).selected_columns}


def joined() -> Any:
    """The proposals with their workshop origin, if any (an outer join: most come from the chat)."""
    return _TABLE.outerjoin(_ORIGINS, _ORIGINS.c.proposal_id == _TABLE.c.id).outerjoin(
        _WORKSHOPS, _WORKSHOPS.c.id == _ORIGINS.c.workshop_id
    )


def _commitment_codes() -> Any:
    """The codes of the commitments a proposal is part of, space-separated (in no order: ``_row`` sorts
    them), or NULL. One index lookup per row (``ix_commitment_sources_proposal``)."""
    joined = _SOURCES.join(_COMMITMENTS, _COMMITMENTS.c.id == _SOURCES.c.commitment_id)
    return (
        select(func.aggregate_strings(_COMMITMENTS.c.code, " "))
        .select_from(joined)
        .where(_SOURCES.c.proposal_id == _TABLE.c.id)
        .correlate(_TABLE)
        .scalar_subquery()
        .label("commitment")
    )


async def count_proposals(database: Database, filters: ExportFilter = EVERYTHING) -> int:
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        result = await conn.execute(select(func.count()).select_from(_TABLE).where(conditions(filters)))
        return int(result.scalar_one())


async def proposal_rows(
    database: Database,
    label: Label,
    filters: ExportFilter = EVERYTHING,
    timezone: str = "America/Guayaquil",
    *,
    commitments: bool = False,
) -> AsyncIterator[Row]:
    """Every matching proposal as a row, oldest first, read in batches of ``BATCH`` on a read-only connection."""
    zone_info = ZoneInfo(timezone)
    cached_label = functools.lru_cache(maxsize=4096)(label)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY, yield_per=BATCH)
        result = await conn.stream(_query(filters, commitments=commitments))
        keys = tuple(result.keys())
        async for batch in result.partitions():  # one hop to the driver per batch, not per row
            for row in batch:
                yield _row(dict(zip(keys, row, strict=True)), cached_label, zone_info)


async def proposal_page(
    database: Database,
    label: Label,
    filters: ExportFilter,
    timezone: str,
    *,
    offset: int,
    limit: int,
    newest_first: bool = True,
    commitments: bool = False,
) -> list[Row]:
    """One page of matching proposals (for lists on screen, not files)."""
    zone_info = ZoneInfo(timezone)
    query = _query(filters, newest_first=newest_first, commitments=commitments)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        result = await conn.execute(query.offset(offset).limit(limit))
        keys = tuple(result.keys())
        return [_row(dict(zip(keys, row, strict=True)), label, zone_info) for row in result]


async def public_rows(
    database: Database, label: Label, filters: ExportFilter = EVERYTHING, timezone: str = "America/Guayaquil"
) -> AsyncIterator[Row]:
    """Rows for the public repository: days instead of times, and the proposal's commitments (the caller
    picks the public columns)."""
    async for row in proposal_rows(database, label, filters, timezone, commitments=True):
        yield public_row(row)


def public_row(row: Row) -> dict[str, Value]:
    submitted, answered = row["submitted_at"], row["answered_at"]
    return {
        **row,
        "submitted_on": str(submitted)[:10] if submitted else None,
        "answered_on": str(answered)[:10] if answered else None,
    }


LABELLED = {"axis_id": "axis", "pillar_id": "pillar"}
"""Columns whose id gets a label column of its own (``axis_id`` → ``axis``)."""
PROFILE = {"zone": "zone", "sector": "sector", "age_range": "age"}
"""Profile columns shown by their label."""


def _row(row: dict[str, Any], label: Label, zone_info: ZoneInfo) -> dict[str, Value]:
    """A row of the query (its columns by name) as the export's: labels, local times, counts."""
    consultation = str(row["consultation"])
    for column, kind in LABELLED.items():
        row[kind] = label(consultation, kind, str(row[column])) if row[column] else None
    for column, kind in PROFILE.items():
        row[column] = label(consultation, kind, str(row[column])) if row[column] else None
    row["submitted_at"] = _iso(row["submitted_at"], zone_info)
    row["answered_at"] = _iso(row["answered_at"], zone_info)
    row["status_reason"] = row["status_reason"] or None
    row["follow_up_count"] = int(row["follow_up_count"] or 0)
    row["supporters"] = int(row["supporters"] or 0)
    row["attachment_count"] = int(row["attachment_count"] or 0)
    row["participant"] = row["participant_pseudonym"] or None
    workshop = row["workshop_id"]
    row["workshop_id"] = label(consultation, "workshop", str(workshop)) if workshop is not None else None
    if "commitment" in row:
        codes = row["commitment"]
        row["commitment"] = " ".join(sorted(str(codes).split(), key=_numbered)) if codes else None
    return row


def _numbered(code: str) -> tuple[int, str]:
    """``UIO-C9`` before ``UIO-C10``: a consultation's commitment codes differ only by their number."""
    return len(code), code


def _iso(moment: datetime | None, zone_info: ZoneInfo) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zone_info).isoformat(timespec="seconds")


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet program would read this text as a formula."""
    return value[:1] in FORMULA_STARTS


def neutralise(value: str) -> str:
    """Stop spreadsheet programs from reading a CSV cell as a formula: prefix it with ``'``."""
    return "'" + value if looks_like_formula(value) else value


def spreadsheet_row(row: Row, columns: Sequence[str]) -> list[str]:
    """Each column as a CSV cell: empty for missing, numbers as digits, text neutralised (``neutralise``
    written out: this runs for every cell of a million-row export)."""
    starts = FORMULA_STARTS
    return [
        ("'" + value if value[:1] in starts else value)
        if isinstance(value, str)
        else ("" if value is None else str(value))
        for value in map(row.__getitem__, columns)
    ]


async def write_csv_lines(
    batches: AsyncIterator[Sequence[bytes]], out: IO[bytes], *, columns: Sequence[str], delimiter: str = ","
) -> int:
    """``write_csv`` for rows that are already CSV lines in UTF-8 (``storage.export_cells.proposal_csv``,
    without their line ending): a batch is one write; returns the number of rows. The file starts with a
    byte-order mark, as ``write_csv``'s (``utf-8-sig``), so that Excel reads accents."""
    header = io.StringIO()
    csv.writer(header, delimiter=delimiter, lineterminator="\r\n").writerow(columns)
    out.write(header.getvalue().encode("utf-8-sig"))
    return await write_line_batches(batches, out, ending=b"\r\n")


async def write_line_batches(batches: AsyncIterator[Sequence[bytes]], out: IO[bytes], *, ending: bytes) -> int:
    """Lines ready in bytes (without their ``ending``), one write per batch; returns the number of lines."""
    count = 0
    async for batch in batches:
        if batch:
            out.write(ending.join(batch) + ending)
            count += len(batch)
    return count


async def write_csv(rows: AsyncIterator[Row], out: TextIO, *, columns: Sequence[str], delimiter: str = ",") -> int:
    """Write a header and one line per row; returns the number of rows. The caller opens ``out``
    (``utf-8-sig`` so that Excel reads accents, ``newline=""``)."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        writer.writerow(spreadsheet_row(row, columns))
        count += 1
    return count
