"""What staff ask an export for, checked against the consultation, and the export itself.

Used by ``cocrea export`` and by the ``/export`` staff command alike. A bad
request raises ``RequestError``, whose message is an English message id with
named parameters: the CLI prints it as is, the bot translates it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from handlers.choices import STATUSES
from handlers.consultation import Consultation, Option
from handlers.i18n import N_, Catalogs, Translator
from handlers.labels import decidim_headings, labeler
from storage.database import Database
from storage.export import COLUMNS, EVERYTHING, PUBLIC_COLUMNS, ExportFilter, Row, proposal_rows, public_rows, write_csv
from storage.export_decidim import DecidimOptions, write_decidim
from storage.export_json import write_json, write_jsonl
from storage.export_xlsx import EXCEL_MAX_ROWS, write_xlsx

FORMATS = ("csv", "xlsx", "json", "jsonl", "decidim")
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "json": "json", "jsonl": "jsonl", "decidim": "csv"}
PROGRESS_EVERY = 1000

Progress = Callable[[int], None]


class RequestError(Exception):
    """A request staff can correct; ``message`` is an English message id with ``{placeholders}``."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def render(self, tr: Translator) -> str:
        return tr._(self.message).format(**self.params)


@dataclass(frozen=True)
class ExportRequest:
    format: str = "csv"
    filters: ExportFilter = EVERYTHING
    lang: str = "es"
    public: bool = False
    excel: bool = False
    """CSV with ``;`` as separator, as Excel in a Spanish locale expects."""
    categories: Mapping[str, str] = field(default_factory=dict)
    """For ``decidim``: our axis id → the Decidim category id."""

    def describe(self) -> dict[str, Any]:
        """What was exported, for the audit log."""
        shape = "public" if self.public or self.format == "decidim" else "staff"
        return {"format": self.format, "shape": shape, "lang": self.lang, "filters": self.filters.describe()}

    def file_name(self, consultation: str, now: datetime) -> str:
        suffix = "-public" if self.public and self.format != "decidim" else ""
        suffix += "-decidim" if self.format == "decidim" else ""
        return f"cocrea-{consultation}-{now:%Y%m%d-%H%M}{suffix}.{EXTENSIONS[self.format]}"


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise RequestError(N_("Unknown format {value}. Formats: {known}."), value=value, known=", ".join(FORMATS))
    return value


def check_lang(consultation: Consultation, catalogs: Catalogs, value: str) -> str:
    known = list(dict.fromkeys([*consultation.languages, *catalogs.languages]))
    if value not in known:
        raise RequestError(N_("Unknown language {value}. Languages: {known}."), value=value, known=", ".join(known))
    return value


def build_filter(
    consultation: Consultation,
    *,
    axes: Iterable[str] = (),
    pillars: Iterable[str] = (),
    zones: Iterable[str] = (),
    statuses: Iterable[str] = (),
    languages: Iterable[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> ExportFilter:
    """An ``ExportFilter`` from what staff typed; every id is checked. Dates are whole days
    (``YYYY-MM-DD``, both included) in the consultation's time zone."""
    first = _day(since, consultation.timezone) if since else None
    last = _day(until, consultation.timezone) if until else None
    if first and last and first > last:
        raise RequestError(N_("The start date {since} is after the end date {until}."),
                           since=str(since), until=str(until))
    return ExportFilter(
        axes=_known(axes, consultation.axes, N_("Unknown axis {value}. Axes: {known}.")),
        pillars=_known(pillars, consultation.pillars, N_("Unknown pillar {value}. Pillars: {known}.")),
        zones=_known(zones, consultation.zones, N_("Unknown zone {value}. Zones: {known}.")),
        statuses=_checked(statuses, list(STATUSES), N_("Unknown status {value}. Statuses: {known}.")),
        languages=_checked(languages, list(consultation.languages),
                           N_("Unknown language {value}. Languages: {known}.")),
        since=first,
        until=last + timedelta(days=1) if last else None,
    )


def split_values(values: Iterable[str]) -> list[str]:
    """``["1,4", "6"]`` → ``["1", "4", "6"]``: a filter may be repeated or take a comma-separated list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _known(values: Iterable[str], options: tuple[Option, ...], message: str) -> tuple[str, ...]:
    return _checked(values, [option.id for option in options], message)


def _checked(values: Iterable[str], known: list[str], message: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(split_values(values)))
    for value in wanted:
        if value not in known:
            raise RequestError(message, value=value, known=", ".join(known) or "-")
    return wanted


def _day(value: str, timezone: str) -> datetime:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise RequestError(N_("{value} is not a date: write it as YYYY-MM-DD."), value=value) from None
    return datetime.combine(day, time(0), ZoneInfo(timezone))


async def write_export(
    database: Database,
    consultation: Consultation,
    catalogs: Catalogs,
    request: ExportRequest,
    out: IO[bytes],
    *,
    progress: Progress | None = None,
    max_sheet_rows: int = EXCEL_MAX_ROWS,
) -> int:
    """Stream the proposals ``request`` asks for into ``out`` (a binary file); returns the number of rows."""
    label = labeler(consultation, catalogs, request.lang)
    read = public_rows if request.public and request.format != "decidim" else proposal_rows
    published = request.public or request.format == "decidim"  # hidden proposals are never made public
    filters = replace(request.filters, published_only=True) if published else request.filters
    rows = read(database, label, filters, consultation.timezone)
    if progress is not None:
        rows = _counted(rows, progress)
    columns = PUBLIC_COLUMNS if read is public_rows else COLUMNS
    if request.format == "xlsx":
        return await write_xlsx(rows, out, columns=columns, max_rows=max_sheet_rows)
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if request.format == "csv" else "utf-8", newline="")
    try:
        if request.format == "csv":
            return await write_csv(rows, text, delimiter=";" if request.excel else ",", columns=columns)
        if request.format == "json":
            return await write_json(rows, text, columns=columns)
        if request.format == "jsonl":
            return await write_jsonl(rows, text, columns=columns)
        options = DecidimOptions(request.lang, decidim_headings(catalogs.get(request.lang)), request.categories)
        return await write_decidim(rows, text, options)
    finally:
        text.flush()
        text.detach()


async def _counted(rows: AsyncIterator[Row], progress: Progress) -> AsyncIterator[Row]:
    count = 0
    async for row in rows:
        yield row
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
    progress(count)
