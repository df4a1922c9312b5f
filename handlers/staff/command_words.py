"""A staff command's words (``/export xlsx public axis=4 lang=en``): formats, flags and filters, checked
against the consultation. Read again by the background export from the stored text."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from handlers.i18n import N_
from handlers.services import Services
from handlers.staff.formats import FORMATS
from handlers.staff.requests import ExportRequest, RequestError, build_filter, check_format, check_lang
from storage.export import ExportFilter

FILTER_KEYS = (
    "axis",
    "pillar",
    "zone",
    "status",
    "language",
    "since",
    "until",
    "source",
    "workshop",
    "consultation",
    "lang",
)


@dataclass
class Words:
    """A staff command's arguments: bare words (``xlsx``, ``public``) and ``key=value`` pairs."""

    bare: list[str] = field(default_factory=list)
    pairs: dict[str, list[str]] = field(default_factory=dict)


def split_words(text: str) -> Words:
    words = Words()
    for token in text.split()[1:]:
        key, sep, value = token.partition("=")
        if not sep:
            words.bare.append(token.lower())
        elif key.lower() in FILTER_KEYS:
            words.pairs.setdefault(key.lower(), []).append(value)
        else:
            raise RequestError(N_("I don't understand {value}."), value=token[:64])
    return words


def read_filters(services: Services, words: Words, language: str) -> tuple[ExportFilter, str]:
    """The filters of a staff command and the language of its labels (``language``, the chat's, unless
    ``lang=`` says otherwise)."""
    pairs = words.pairs
    filters = build_filter(
        services.consultation,
        axes=pairs.get("axis", []),
        pillars=pairs.get("pillar", []),
        zones=pairs.get("zone", []),
        statuses=pairs.get("status", []),
        languages=pairs.get("language", []),
        since=_last(pairs.get("since")),
        until=_last(pairs.get("until")),
        sources=pairs.get("source", []),
        workshops=pairs.get("workshop", []),
        scope=_last(pairs.get("consultation")),
    )
    lang = check_lang(services.consultation, services.catalogs, (pairs.get("lang") or [language])[-1])
    return filters, lang


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


def read_export_request(services: Services, text: str, language: str) -> ExportRequest:
    """What ``/export …`` asks for; ``RequestError`` when something in it is wrong."""
    words = split_words(text)
    filters, lang = read_filters(services, words, language)
    request = ExportRequest(filters=filters, lang=lang)
    for word in words.bare:
        if word == "public":
            request = replace(request, public=True)
        elif word == "excel":
            request = replace(request, excel=True)
        elif word in FORMATS:
            request = replace(request, format=word)
        else:
            check_format(word[:32])
    return request
