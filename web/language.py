"""The visitor's language: chosen with ``?lang=``, remembered in a cookie, else the browser's preference,
else Spanish. Only languages with a complete catalog are offered."""

from __future__ import annotations

from starlette.requests import Request

from handlers.services import Services

LANG_COOKIE = "cocrea_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


def offered(services: Services) -> list[str]:
    languages = services.catalogs.complete_languages(services.consultation.languages)
    return languages or [services.catalogs.default]


def chosen_now(request: Request, services: Services) -> str | None:
    """The language the visitor just picked (``?lang=en``), if it is offered."""
    wanted = request.query_params.get("lang", "")
    return wanted if wanted in offered(services) else None


def visitor_language(request: Request, services: Services) -> str:
    languages = offered(services)
    picked = chosen_now(request, services)
    if picked:
        return picked
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in languages:
        return remembered
    for wanted in _accepted(request.headers.get("accept-language", "")):
        if wanted in languages:
            return wanted
    return languages[0]


def _accepted(header: str) -> list[str]:
    """Base languages of an Accept-Language header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]
