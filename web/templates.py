"""Pages from Jinja2 templates (autoescaped), with the visitor's language in every one of them.

Templates translate with ``_("English text")`` and format with named placeholders, exactly like
the code: ``{{ _("Proposal {code}").format(code=code) }}``; the extractor reads them into the catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.core import UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from handlers.choices import STATUSES
from handlers.i18n import Translator, language_name
from handlers.services import Services
from web.headings import COLUMNS, ROLES, THREAD
from web.language import LANG_COOKIE, LANG_COOKIE_SECONDS, chosen_now, offered, visitor_language

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


class Formats:
    """Dates, numbers and statuses as the visitor reads them."""

    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self.locale = "es_EC" if tr.language == "es" else tr.language

    def day(self, value: str | date | datetime | None) -> str:
        """A day (``2026-11-20`` or a date) as ``20 nov 2026``."""
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(self.tr.timezone)).date()
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
            return str(format_date(day, "medium", locale=self.locale))
        except (ValueError, UnknownLocaleError):
            return str(value)

    def moment(self, value: datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime):
            return self.tr.datetime(value)
        try:
            return self.tr.datetime(datetime.fromisoformat(value))
        except ValueError:
            return value

    def number(self, value: int | float) -> str:
        try:
            return str(format_decimal(value, locale=self.locale))
        except UnknownLocaleError:
            return str(value)

    def percent(self, value: float) -> str:
        try:
            return str(format_percent(value, locale=self.locale))
        except UnknownLocaleError:
            return f"{value:.0%}"

    def status(self, status: Any) -> str:
        return self.tr._(STATUSES.get(str(status), str(status)))

    def role(self, role: str) -> str:
        return self.tr._(ROLES.get(role, role))


class Pages:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.env = environment()

    def translator(self, request: Request) -> Translator:
        return self.services.translator(visitor_language(request, self.services))

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        tr = self.translator(request)
        values = {**self.common(request, tr), **(context or {})}
        response = HTMLResponse(self.env.get_template(name).render(values), status_code=status, headers=headers)
        picked = chosen_now(request, self.services)
        if picked:
            response.set_cookie(LANG_COOKIE, picked, max_age=LANG_COOKIE_SECONDS, samesite="lax", httponly=True)
        return response

    def common(self, request: Request, tr: Translator) -> dict[str, Any]:
        consultation = self.services.consultation
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return {
            "_": tr._,
            "n_": tr.n_,
            "lang": tr.language,
            "fmt": Formats(tr),
            "consultation": consultation,
            "consultation_name": consultation.name(tr.language),
            "path": request.url.path,
            "languages": [
                (code, language_name(code), request.url.path + "?" + urlencode([*query, ("lang", code)]))
                for code in offered(self.services)
            ],
            "headings": COLUMNS,
            "thread_labels": THREAD,
            "staff": getattr(request.state, "staff", None),
            "csrf": getattr(request.state, "csrf", ""),
        }
