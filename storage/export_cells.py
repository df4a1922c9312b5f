"""The export's cells computed by the database: labels, local times, the order of commitment codes and, for
CSV, the formula guard and the quoting of each line are SQL, so that a file streams the driver's rows
straight into its writer.

Why: building each row in Python (a dict, five label lookups, two dates parsed and formatted again in the
consultation's zone, every text checked for a leading ``=``) was 41 % of a CSV export's time, and the csv
module's writer most of the rest (issue 13). Here the database does that work in C while it reads the rows.

- **Labels.** ``Label`` is a function, so the labels are asked for the ids that occur: one pass over the
  matching proposals per consultation (in the same read transaction as the rows, so the same snapshot)
  finds them, and each column becomes ``CASE consultation WHEN … THEN CASE id WHEN … END``.
- **Local times.** The zone's UTC offsets between the oldest and the newest moment of that pass become a
  ``CASE`` on the stored UTC time (no branch at all for a zone with one offset, such as Quito's), each
  branch shifting the time and appending the offset exactly as ``datetime.isoformat`` writes it.
- **CSV lines** (``proposal_csv``): each text gets ``'`` in front when it starts like a formula (as
  ``storage.export.neutralise``) and is quoted as the csv module quotes (``QUOTE_MINIMAL``: a field with the
  delimiter, a ``"``, CR or LF is put in quotes, its quotes doubled); the fields are joined in SQL. A column
  whose text the database would write differently from Python (a float, a boolean) sends the export back to
  the csv module, row by row.
- **Other files** (``labelled_rows``): the rows of columns a format builds itself (Decidim's import file:
  ``storage.export_decidim``), with the label columns it asks for, labelled in SQL as above.

The cells are the same values, of the same types, as ``storage.export.proposal_rows`` gives for the same
columns, and the lines the same bytes as the csv module writes from them (tests compare both).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Select,
    String,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from storage.database import READ_ONLY, Database
from storage.export import (
    BATCH,
    COMMITMENTS,
    FORMULA_STARTS,
    LABELLED,
    ORIGINS,
    PROFILE,
    PROPOSALS,
    SOURCES,
    ExportFilter,
    Label,
    Row,
    Value,
    conditions,
    joined,
    neutralise,
    row_columns,
    spreadsheet_row,
)
from storage.types import UTCDateTime

Cells = Sequence[Value]
"""One row of a file: its cells in the file's column order."""

_STARTS = tuple(sorted(FORMULA_STARTS))
_LABEL_KINDS: dict[str, str] = {**{kind: kind for kind in LABELLED.values()}, **PROFILE}
"""Output column → kind of label (``age_range`` → ``age``)."""
_ID_COLUMN: dict[str, str] = {**{kind: column for column, kind in LABELLED.items()}, **{c: c for c in PROFILE}}
"""Output column → the proposals' column that holds its ids (``axis`` → ``axis_id``)."""
_TIMES = {"submitted_at": "submitted_at", "answered_at": "answered_at"}
_DAYS = {"submitted_on": "submitted_at", "answered_on": "answered_at"}
VOCABULARY = frozenset({"consultation", "axis_id", "pillar_id", "language", "channel", "source", "status"})
"""Columns of a few values, known from the scan: CSV writes each value seen as a constant, rendered once in
Python, rather than have the database test every row for a formula or a character to quote (a fifth of its
work on a million rows)."""
_SCAN_STEP = timedelta(hours=6)
"""Zones change their offset months apart: checking every six hours finds each change."""

TEXT, NUMBER, PLAIN, OTHER = "text", "number", "plain", "other"
"""How a column is written to CSV: text (guarded, quoted when needed), a whole number, text that never
needs either (times, days), or something only Python writes as Python does (floats, booleans)."""


@dataclass(frozen=True)
class _Seen:
    """What the matching proposals hold: the ids to label per consultation, and their span in time."""

    ids: Mapping[str, Mapping[str, frozenset[Any]]]
    """Id column (``axis_id``, ``zone``…) → consultation → the ids that occur."""
    workshops: Mapping[str, frozenset[int]]
    """Consultation → the workshops its matching proposals come from."""
    first: datetime | None
    last: datetime | None


async def proposal_cells(
    database: Database,
    label: Label,
    filters: ExportFilter,
    timezone_name: str,
    columns: Sequence[str],
    *,
    statuses: Mapping[str, str] | None = None,
) -> AsyncIterator[list[Cells]]:
    """Every matching proposal as the cells of ``columns``, oldest first, in batches of ``BATCH``.
    ``statuses``: the status as a word (Excel), by status id."""
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        build = _Builder(label, ZoneInfo(timezone_name), await _scan(conn, filters, columns), database, statuses)
        values = [build.value(column)[0].label(column) for column in columns]
        async for batch in _stream(conn, _query(values, filters)):
            yield batch


async def proposal_csv(
    database: Database, label: Label, filters: ExportFilter, timezone_name: str, columns: Sequence[str], delimiter: str
) -> AsyncIterator[list[bytes]]:
    """Every matching proposal as a CSV line of ``columns`` (UTF-8, no line ending), texts neutralised, oldest
    first, in batches of ``BATCH``."""
    async for batch in _lines(database, label, filters, timezone_name, columns, _Csv(delimiter, database.is_sqlite)):
        yield batch


async def proposal_json(
    database: Database, label: Label, filters: ExportFilter, timezone_name: str, columns: Sequence[str]
) -> AsyncIterator[list[bytes]]:
    """Every matching proposal as a JSON object of ``columns`` (UTF-8, one line, as ``json.dumps(row,
    ensure_ascii=False)`` writes it), oldest first, in batches of ``BATCH``."""
    async for batch in _lines(database, label, filters, timezone_name, columns, _Json(database.is_sqlite)):
        yield batch


Labelled = Callable[[str], ColumnElement[Any]]
"""An output column with a label (``axis``, ``pillar``…) → its label in SQL."""
Finish = Callable[[str | None], str | None]
"""A label (None for an empty id) as the file writes it, in Python, once per label."""
Fallback = Callable[[ColumnElement[Any]], ColumnElement[Any]]
"""An id with no label seen (SQL) as the file writes it."""


async def labelled_rows(
    database: Database,
    label: Label,
    filters: ExportFilter,
    labels: tuple[Sequence[str], Finish, Fallback],
    columns: Callable[[Labelled], Sequence[ColumnElement[Any]]],
) -> AsyncIterator[list[Cells]]:
    """The matching proposals as the rows of ``columns`` (built with the label columns of ``labels``: which,
    each label ``Finish``ed, an id not seen written by ``Fallback``), oldest first, in batches of ``BATCH``.
    Read from the proposals alone, without their workshop origin: a format that shows no origin (Decidim)
    spares the join, which changes no row (one origin at most per proposal)."""
    kinds, finish, fallback = labels
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        build = _Builder(label, ZoneInfo("UTC"), await _scan(conn, filters, kinds), database, None)
        values = columns(lambda kind: build.labelled(kind, finish, fallback))
        query = select(*values).where(conditions(filters, whole_table=True)).order_by(PROPOSALS.c.id)
        async for batch in _stream(conn, query):
            yield batch


def utf8(text: ColumnElement[Any], sqlite: bool) -> ColumnElement[bytes]:
    """A text as its UTF-8 bytes, read as they are: the file gets the database's bytes, never decoded into
    Python strings and encoded again."""
    return cast(text, LargeBinary) if sqlite else func.convert_to(text, "UTF8")


async def _lines(
    database: Database, label: Label, filters: ExportFilter, timezone_name: str, columns: Sequence[str], render: _Render
) -> AsyncIterator[list[bytes]]:
    """Each row as one line that the database writes. The lines come as bytes: the database's UTF-8 goes to
    the file as it is, never decoded into Python strings and encoded again (a quarter of the time on a
    million rows). A column whose text the database would write otherwise than Python (a float, a boolean)
    sends the rows back to Python, each line written by ``render.python``."""
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(**READ_ONLY)
        seen = await _scan(conn, filters, columns, [c for c in columns if c in VOCABULARY])
        build = _Builder(label, ZoneInfo(timezone_name), seen, database, None)
        values = {column: build.value(column) for column in columns}
        if any(kind == OTHER for _, kind in values.values()):
            cells = [value.label(column) for column, (value, _) in values.items()]
            async for batch in _stream(conn, _query(cells, filters)):
                yield [render.python(dict(zip(columns, row, strict=True)), columns) for row in batch]
            return
        fields = [build.rendered(column, value, kind, render) for column, (value, kind) in values.items()]
        line = func.format(render.template(columns), *fields)
        async for batch in _stream(conn, _query([utf8(line, database.is_sqlite).label("line")], filters)):
            yield typing.cast(list[bytes], [row[0] for row in batch])


async def _stream(conn: AsyncConnection, query: Select[Any]) -> AsyncIterator[list[Cells]]:
    """The rows in batches. The statement goes to the driver as SQLAlchemy compiled it, on the connection of
    this transaction (the scan's snapshot): SQLAlchemy's streamed results cost about 4 s more per million rows
    on SQLite, 3 s on PostgreSQL (a ``Row`` and a buffer step per row), and these cells need none of its
    conversions (``_driver_statement`` says when they would)."""
    statement = _driver_statement(query, conn.dialect)
    driver: Any = (await conn.get_raw_connection()).driver_connection
    if statement is None or (conn.dialect.name != "sqlite" and not driver.is_in_transaction()):
        result = await conn.stream(query.execution_options(yield_per=BATCH))
        async for batch in _ahead(result.partitions()):
            yield list(batch)
        return
    if conn.dialect.name != "sqlite":
        sql, parameters = statement
        portal = await driver.cursor(sql, *parameters)  # asyncpg: a portal of this transaction, closed with it
        async for batch in _ahead(_fetched(portal.fetch)):
            yield [tuple(record) for record in batch]  # a Record is no Sequence: the writers get what SQLite gives
        return
    cursor = await driver.execute(*statement)
    try:
        async for batch in _ahead(_fetched(cursor.fetchmany)):
            yield list(batch)
    finally:
        await cursor.close()


async def _fetched(fetch: Callable[[int], Awaitable[Sequence[Cells]]]) -> AsyncIterator[Sequence[Cells]]:
    while batch := await fetch(BATCH):
        yield batch


async def _ahead(batches: AsyncIterator[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    """``batches``, each next one asked for before this one is handed over, so that a driver that works
    elsewhere (PostgreSQL's server, or SQLite's worker thread for the bot's background export:
    ``storage.database.off_the_loop``) reads while the caller writes. Where SQLite's statements run on the
    event loop (``storage.database.InlineSqlite``), it only orders the same work."""
    following = asyncio.ensure_future(anext(batches))
    try:
        while True:
            try:
                batch = await following
            except StopAsyncIteration:
                return
            following = asyncio.ensure_future(anext(batches))
            await asyncio.sleep(0)  # let the read start before handing this batch over
            yield batch
    finally:
        following.cancel()


def _driver_statement(query: Select[Any], dialect: Dialect) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL and parameters as the driver takes them, or None when a parameter or a result needs one of
    SQLAlchemy's conversions (a time to store as SQLite's text, a boolean to read from 0 or 1)."""
    if any(_converted(column.type, dialect) for column in query.selected_columns):
        return None
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = []
    for name in compiled.positiontup or ():
        value, bind = compiled.params[name], compiled.binds.get(name)
        process = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
        value = process(value) if process else value
        if value is not None and not isinstance(value, str | int | float | bytes):
            return None
        values.append(value)
    return compiled.string, tuple(values)


def _converted(type_: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether SQLAlchemy converts what the driver reads for this type. A number on PostgreSQL is converted
    or not depending on the column's type in the result, unknown before the statement runs: say yes."""
    if dialect.name != "sqlite" and isinstance(type_, Numeric | Float):
        return True
    return type_.dialect_impl(dialect).result_processor(dialect, None) is not None


def _query(values: Sequence[ColumnElement[Any]], filters: ExportFilter) -> Select[Any]:
    """The same rows, in the same order, as ``proposal_rows`` reads."""
    return select(*values).select_from(joined()).where(conditions(filters, whole_table=True)).order_by(PROPOSALS.c.id)


async def _scan(
    conn: AsyncConnection, filters: ExportFilter, columns: Sequence[str], vocabulary: Sequence[str] = ()
) -> _Seen:
    """One pass over the matching proposals, grouped by consultation, for the ids that need labels (and the
    values of the ``vocabulary`` columns) and the span of the times to show."""
    wanted = sorted({_ID_COLUMN[c] for c in columns if c in _ID_COLUMN} | set(vocabulary))
    times = sorted({({**_TIMES, **_DAYS})[c] for c in columns if c in _TIMES or c in _DAYS})
    ids: dict[str, dict[str, frozenset[Any]]] = {column: {} for column in wanted}
    moments: list[datetime] = []
    if wanted or times:
        sqlite = conn.dialect.name == "sqlite"
        gather = func.json_group_array if sqlite else func.array_agg
        seen = [gather(distinct(PROPOSALS.c[column])) for column in wanted]
        spans = [f(PROPOSALS.c[t]) for t in times for f in (func.min, func.max)]
        query = select(PROPOSALS.c.consultation, *seen, *spans).where(conditions(filters))
        for row in await conn.execute(query.group_by(PROPOSALS.c.consultation)):
            for column, values in zip(wanted, row[1 : 1 + len(wanted)], strict=True):
                ids[column][str(row[0])] = frozenset(json.loads(values) if sqlite else values)
            moments += [moment for moment in row[1 + len(wanted) :] if moment is not None]
    workshops: dict[str, set[int]] = {}
    if "workshop_id" in columns:
        origins = ORIGINS.join(PROPOSALS, PROPOSALS.c.id == ORIGINS.c.proposal_id)
        query = select(PROPOSALS.c.consultation, ORIGINS.c.workshop_id).select_from(origins).where(conditions(filters))
        for consultation, workshop in await conn.execute(query.distinct()):
            workshops.setdefault(str(consultation), set()).add(int(workshop))
    return _Seen(
        ids,
        {slug: frozenset(values) for slug, values in workshops.items()},
        min(moments) if moments else None,
        max(moments) if moments else None,
    )


class _Builder:
    """The SQL of each column, for one export (its labels, zone and database)."""

    def __init__(
        self, label: Label, zone: ZoneInfo, seen: _Seen, database: Database, statuses: Mapping[str, str] | None
    ) -> None:
        self._label, self._zone, self._seen = label, zone, seen
        self._sqlite, self._statuses = database.is_sqlite, statuses

    def value(self, column: str) -> tuple[ColumnElement[Any], str]:
        """A column's value (what ``proposal_rows`` holds for it) and how CSV writes it."""
        if column in _LABEL_KINDS or column == "workshop_id":
            return self.labelled(column, lambda text: text), TEXT
        if column in _TIMES:
            return self._local(PROPOSALS.c[_TIMES[column]]), PLAIN
        if column in _DAYS:
            return func.substr(self._local(PROPOSALS.c[_DAYS[column]]), 1, 10), PLAIN
        if column == "status" and self._statuses:
            words = {status: literal(word, String()) for status, word in self._statuses.items()}
            status = PROPOSALS.c.status
            return type_coerce(case(words, value=status, else_=status), String()), TEXT
        if column == "status_reason":
            return func.nullif(PROPOSALS.c.status_reason, ""), TEXT
        if column == "participant":
            return func.nullif(PROPOSALS.c.participant_pseudonym, ""), TEXT
        if column == "commitment":
            return self._commitments(), TEXT
        computed = row_columns()
        found = computed[column]
        if isinstance(found.type, Boolean | Float):
            return found, OTHER
        if isinstance(found.type, Integer) or column in ("follow_up_count", "supporters", "attachment_count"):
            return found, NUMBER
        return found, TEXT if isinstance(found.type, String) else OTHER

    def rendered(self, column: str, value: ColumnElement[Any], kind: str, csv_: _Render) -> ColumnElement[str]:
        """The column as a field of a line: labels are rendered here, once each, the rest by the database."""
        if column in _LABEL_KINDS or column == "workshop_id":
            return self.labelled(column, csv_.constant, csv_.text)
        if column in VOCABULARY and column in self._seen.ids:
            values = {
                v for by_consultation in self._seen.ids[column].values() for v in by_consultation if v is not None
            }
            words = {v: literal(csv_.constant(v), String()) for v in sorted(values)}
            return (
                type_coerce(case(words, value=value, else_=csv_.text(value)), String()) if words else csv_.text(value)
            )
        if kind == NUMBER:
            return csv_.number(value)
        if kind == PLAIN:
            return csv_.plain(value)
        return csv_.text(value)

    def labelled(
        self,
        column: str,
        finish: Callable[[str | None], str | None],
        fallback: Callable[[ColumnElement[Any]], ColumnElement[str]] | None = None,
    ) -> ColumnElement[Any]:
        """``label(consultation, kind, id)`` for every id seen, ``finish``ed (rendered for CSV); an empty id
        has no label. An id not seen (a row written after the scan, on a server that reads each statement
        anew) keeps its id, as ``label`` gives for an unknown id."""
        if column == "workshop_id":
            ids: ColumnElement[Any] = ORIGINS.c.workshop_id
            kind, seen = "workshop", self._seen.workshops
            own: ColumnElement[Any] = cast(ids, String)
        else:
            ids = PROPOSALS.c[_ID_COLUMN[column]]
            kind, seen, own = _LABEL_KINDS[column], self._seen.ids[_ID_COLUMN[column]], ids
        otherwise = fallback(own) if fallback else own
        branches = []
        for slug, values in sorted(seen.items()):
            labels = {value: self._label(slug, kind, str(value)) if value else None for value in values}
            texts = {value: finish(text) for value, text in labels.items() if value is not None}
            changed = {value: text for value, text in texts.items() if text != str(value) or fallback}
            if changed:
                words = {value: null() if text is None else literal(text, String()) for value, text in changed.items()}
                branches.append((PROPOSALS.c.consultation == slug, case(words, value=ids, else_=otherwise)))
        if not branches:
            return otherwise
        return type_coerce(case(*branches, else_=otherwise), String())

    def _local(self, column: ColumnElement[Any]) -> ColumnElement[str]:
        """The stored UTC time in the consultation's zone, as ``isoformat(timespec="seconds")`` writes it."""
        *changes, (_, latest) = _spans(self._zone, self._seen.first, self._seen.last)
        last = self._shifted(column, latest)
        if not changes:
            return last
        moment = type_coerce(column, UTCDateTime())
        branches = [
            (moment < literal(until, UTCDateTime()), self._shifted(column, offset)) for until, offset in changes
        ]
        return type_coerce(case(*branches, else_=last), String())

    def _shifted(self, column: ColumnElement[Any], offset: timedelta) -> ColumnElement[str]:
        seconds = int(offset.total_seconds())
        suffix = literal(_offset_text(offset), String())
        if self._sqlite:
            whole = func.substr(column, 1, 19)  # whole seconds: SQLite rounds its times to milliseconds
            shifted = func.strftime("%Y-%m-%dT%H:%M:%S", whole, f"{seconds:+d} seconds")
            return type_coerce(shifted, String()).concat(suffix)
        utc = type_coerce(column.op("AT TIME ZONE")(literal_column("'UTC'")), DateTime())
        moved = utc + literal_column(f"INTERVAL '{seconds} seconds'")
        return type_coerce(func.to_char(moved, 'YYYY-MM-DD"T"HH24:MI:SS'), String()).concat(suffix)

    def _commitments(self) -> ColumnElement[str]:
        """The codes of the commitments a proposal is part of, space-separated, ``UIO-C9`` before ``UIO-C10``
        (shorter first, then by code point: ``storage.export._numbered``), or NULL."""
        code = COMMITMENTS.c.code
        linked = SOURCES.join(COMMITMENTS, COMMITMENTS.c.id == SOURCES.c.commitment_id)
        mine = SOURCES.c.proposal_id == PROPOSALS.c.id
        if self._sqlite:  # SQLite's group_concat keeps the order of an ordered subquery
            inner = select(code).select_from(linked).where(mine).order_by(func.length(code), code)
            ordered = inner.correlate(PROPOSALS).subquery()
            codes = select(func.group_concat(ordered.c.code, " "))
        else:
            order: Any = aggregate_order_by(literal_column("' '"), func.length(code), code.collate("C"))
            codes = select(func.string_agg(code, order)).select_from(linked).where(mine)
        return type_coerce(codes.correlate(PROPOSALS).scalar_subquery(), String())


class _Render(Protocol):
    """How one format writes each kind of field in SQL, and a whole line in Python when SQL cannot."""

    def template(self, columns: Sequence[str]) -> str:
        """The ``format`` string of a line: ``%s`` for each field."""

    def text(self, value: ColumnElement[Any]) -> ColumnElement[str]: ...

    def number(self, value: ColumnElement[Any]) -> ColumnElement[str]: ...

    def plain(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        """A text that needs neither a guard nor escaping (a time, a day)."""

    def constant(self, text: str | None) -> str:
        """A label, rendered once in Python."""

    def python(self, row: Row, columns: Sequence[str]) -> bytes: ...


class _Csv:
    """A field as the csv module writes it (``QUOTE_MINIMAL``, ``"`` doubled), texts neutralised. A character
    to quote is looked for with a byte search per character (``instr``, ``strpos``: PostgreSQL's regular
    expression cost 0.2 s per text column at 1,000,000 rows, four searches 0.02 s), a formula with one
    anchored ``GLOB`` or regular expression (one character); a NULL is written as nothing by the ``format``
    that joins the fields."""

    def __init__(self, delimiter: str, sqlite: bool) -> None:
        self._delimiter, self._sqlite = delimiter, sqlite
        self._specials = (delimiter, '"', "\n", "\r")
        starts = "".join(sorted(FORMULA_STARTS - {"-"})) + "-"  # last: a literal in a bracket class
        self._formula = literal(f"[{starts}]*" if sqlite else f"^[{starts}]", String())
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="")

    def template(self, columns: Sequence[str]) -> str:
        return self._delimiter.replace("%", "%%").join(["%s"] * len(columns))

    def text(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        text = type_coerce(value, String())
        formula = text.op("GLOB" if self._sqlite else "~")(self._formula)
        search = func.instr if self._sqlite else func.strpos
        special = or_(*(search(text, literal(c, String())) > 0 for c in self._specials))
        prefix = case((formula, "'"), else_="")
        quoted = literal('"', String()).concat(prefix).concat(func.replace(text, '"', '""')).concat('"')
        guarded = case((formula, literal("'", String()).concat(text)), else_=text)
        return type_coerce(case((special, quoted), else_=guarded), String())

    @staticmethod
    def number(value: ColumnElement[Any]) -> ColumnElement[str]:
        return cast(value, String)

    @staticmethod
    def plain(value: ColumnElement[Any]) -> ColumnElement[str]:
        return value

    def constant(self, text: str | None) -> str:
        """A label, rendered once in Python (none: an empty field)."""
        if not text:
            return ""
        return self._line([neutralise(text)])

    def python(self, row: Row, columns: Sequence[str]) -> bytes:
        return self._line(spreadsheet_row(row, columns)).encode()

    def _line(self, cells: Sequence[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()


class _Json:
    """A field as ``json.dumps(…, ensure_ascii=False)`` writes it: SQLite's ``json_quote`` and PostgreSQL's
    ``to_json`` escape a text exactly so (``\\n``, ``\\"``, ``\\u001f``…, the rest as it is)."""

    def __init__(self, sqlite: bool) -> None:
        self._sqlite = sqlite

    @staticmethod
    def template(columns: Sequence[str]) -> str:
        keys = (_ENCODER.encode(column).replace("%", "%%") for column in columns)
        return "{" + ", ".join(f"{key}: %s" for key in keys) + "}"

    def text(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        if self._sqlite:
            return type_coerce(func.json_quote(value), String())
        return func.coalesce(cast(func.to_json(value), String), "null")

    @staticmethod
    def number(value: ColumnElement[Any]) -> ColumnElement[str]:
        return func.coalesce(cast(value, String), "null")

    def plain(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        return self.text(value)

    @staticmethod
    def constant(text: str | None) -> str:
        return _ENCODER.encode(text)

    @staticmethod
    def python(row: Row, columns: Sequence[str]) -> bytes:
        return _ENCODER.encode({column: row[column] for column in columns}).encode()


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _spans(zone: ZoneInfo, first: datetime | None, last: datetime | None) -> list[tuple[datetime, timedelta]]:
    """The zone's offsets from ``first`` to ``last``: ``[(until, offset), …, (last, offset)]``, each offset
    in force before its ``until`` (whole seconds: zones change at whole seconds)."""
    if first is None or last is None:
        now = datetime.now(zone)
        return [(now, _offset(zone, now))]
    moment = first.replace(microsecond=0)
    offset = _offset(zone, moment)
    spans: list[tuple[datetime, timedelta]] = []
    while moment < last:
        following = min(moment + _SCAN_STEP, last)
        if _offset(zone, following) != offset:
            change = _change(zone, moment, following)
            spans.append((change, offset))
            offset = _offset(zone, change)
        moment = following
    spans.append((last, offset))
    return spans


def _change(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole second after ``before`` whose offset differs from ``before``'s (bisection)."""
    offset = _offset(zone, before)
    low, high = 0, int((after - before).total_seconds()) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, before + timedelta(seconds=middle)) == offset:
            low = middle
        else:
            high = middle
    return before + timedelta(seconds=high)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _offset_text(offset: timedelta) -> str:
    """``-05:00`` exactly as ``datetime.isoformat`` ends a time with this offset."""
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[19:]
