"""Reading what a visitor asked for (filters, a page number, form fields) from a request."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams

from handlers.services import Services
from handlers.staff.requests import build_filter
from storage.export import ExportFilter

PUBLIC_FILTERS = ("axis", "pillar", "status", "since", "until", "q")
"""What the public may filter by: never the author's zone or language, which would say who they are."""
STAFF_FILTERS = ("axis", "pillar", "zone", "status", "language", "since", "until", "q")
MAX_SEARCH = 100


def read_filters(services: Services, query: QueryParams, allowed: tuple[str, ...]) -> ExportFilter:
    """An ``ExportFilter`` from the query string; raises ``RequestError`` on an unknown id or a bad date."""

    def values(name: str) -> list[str]:
        return [value for value in query.getlist(name) if value.strip()] if name in allowed else []

    def one(name: str) -> str | None:
        found = values(name)
        return found[-1] if found else None

    filters = build_filter(
        services.consultation,
        axes=values("axis"),
        pillars=values("pillar"),
        zones=values("zone"),
        statuses=values("status"),
        languages=values("language"),
        since=one("since"),
        until=one("until"),
    )
    search = " ".join((one("q") or "").split())[:MAX_SEARCH]
    return replace(filters, search=search) if "q" in allowed else filters


def chosen(query: QueryParams, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """The filter values as typed, to show them selected again in the form."""
    return {name: query.getlist(name) for name in allowed}


def filter_query(query: QueryParams, allowed: tuple[str, ...]) -> str:
    """The filters' part of the query string, to carry them into links (next page, downloads)."""
    return urlencode([(k, v) for k, v in query.multi_items() if k in allowed and v.strip()])


def page_number(query: QueryParams) -> int:
    raw = query.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 9 else 1


def text_field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
