"""What staff ask an export or statistics for, checked against the consultation.

Used by the command line, the bot's staff commands and the web desk alike. A bad
request raises ``RequestError``, whose message is an English message id with
named parameters: the CLI prints it as is, the bot and the web translate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.consultation import Consultation, Option, bundled_names, find_consultation
from handlers.choices import SOURCES, STATUSES
from handlers.i18n import N_, Catalogs, Translator
from handlers.staff.formats import EXTENSIONS, FORMATS
from handlers.workshops.origin import parse_ref
from storage.export import EVERYTHING, ExportFilter


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
    sources: Iterable[str] = (),
    workshops: Iterable[str] = (),
    scope: str | None = None,
) -> ExportFilter:
    """An ``ExportFilter`` from what staff typed; every id is checked. Dates are whole days
    (``YYYY-MM-DD``, both included) in the consultation's time zone. Workshops are named ``W1`` (or
    ``1``); whether they exist is checked with the database (``handlers.workshops.workshops.check_workshops``)."""
    first = _day(since, consultation.timezone) if since else None
    last = _day(until, consultation.timezone) if until else None
    if first and last and first > last:
        raise RequestError(
            N_("The start date {since} is after the end date {until}."), since=str(since), until=str(until)
        )
    chosen = scoped(consultation, scope)
    if chosen is not None:
        consultation = chosen
    return ExportFilter(
        consultation=chosen.slug if chosen is not None else None,
        axes=_known(axes, consultation.axes, N_("Unknown axis {value}. Axes: {known}.")),
        pillars=_known(pillars, consultation.pillars, N_("Unknown pillar {value}. Pillars: {known}.")),
        zones=_known(zones, consultation.zones, N_("Unknown zone {value}. Zones: {known}.")),
        statuses=_checked(statuses, list(STATUSES), N_("Unknown status {value}. Statuses: {known}.")),
        languages=_checked(
            languages, list(consultation.languages), N_("Unknown language {value}. Languages: {known}.")
        ),
        since=first,
        until=last + timedelta(days=1) if last else None,
        sources=_checked(sources, list(SOURCES), N_("Unknown source {value}. Sources: {known}.")),
        workshops=workshop_ids(workshops),
    )


ALL = "all"


def scoped(configured: Consultation, scope: str | None) -> Consultation | None:
    """Which consultation a request works on: the configured one by default, another by its slug, or
    None for ``all`` (consultations mixed on purpose)."""
    if scope is None or scope == configured.slug:
        return configured
    if scope == ALL:
        return None
    found = find_consultation(scope)
    if found is None:
        known = ", ".join(dict.fromkeys([configured.slug, *bundled_names(), ALL]))
        raise RequestError(N_("Unknown consultation {value}. Consultations: {known}."), value=scope, known=known)
    return found


def workshop_ids(refs: Iterable[str]) -> tuple[int, ...]:
    """``["W1,W3", "4"]`` → ``(1, 3, 4)``; ``RequestError`` for anything that is not a workshop id."""
    ids: list[int] = []
    for value in split_values(refs):
        number = parse_ref(value)
        if number is None:
            raise RequestError(N_("There is no workshop {value}."), value=value[:20])
        ids.append(number)
    return tuple(dict.fromkeys(ids))


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
