"""A consultation as the bot uses it: its options, window and languages (read by ``config.consultation``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final

DEFAULT_LANGUAGE: Final = "es"
DEFAULT_TIMEZONE: Final = "America/Guayaquil"
MAX_REPORTED_PROBLEMS: Final = 20


class ConsultationError(Exception):
    """A consultation file is malformed; str(exc) names the file, the line (when known) and the problem,
    e.g. 'consultations/x.toml, line 12: axis "7" has no Spanish label (labels.es)'.

    When a file has several problems, each is on its own line of the message, in file order.
    ``source``, ``line`` (of the first problem, or None) and ``problems`` (``(line, text)`` pairs)
    give the same information to code.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int | None = None,
        problems: tuple[tuple[int | None, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.problems = problems


def error(source: str, problems: Iterable[tuple[int | None, str]]) -> ConsultationError:
    found = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
    shown = found[:MAX_REPORTED_PROBLEMS]
    lines = [f"{source}, line {line}: {text}" if line is not None else f"{source}: {text}" for line, text in shown]
    if len(found) > len(shown):
        lines.append(f"{source}: ... and {len(found) - len(shown)} more problems")
    return ConsultationError(
        "\n".join(lines), source=source, line=found[0][0] if found else None, problems=tuple(found)
    )


def _pick(mapping: Mapping[str, str], lang: str) -> str:
    """The text for ``lang``: exact, then its base language, then Spanish, then any."""
    if not mapping:
        return ""
    if lang in mapping:
        return mapping[lang]
    base = re.split(r"[-_]", lang, maxsplit=1)[0].lower()
    if base in mapping:
        return mapping[base]
    if DEFAULT_LANGUAGE in mapping:
        return mapping[DEFAULT_LANGUAGE]
    return next(iter(mapping.values()))


def freeze(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Option:
    """One answer to a question: a thematic axis, a pillar or a zone."""

    id: str  # short ASCII id: [a-z0-9-]{1,24} (it travels in 64-byte callback data)
    labels: Mapping[str, str]  # language code -> label
    descriptions: Mapping[str, str]  # may be empty
    short_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """For channels with tight limits (WhatsApp buttons: 20 characters); may be empty."""

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted(self.labels.items()))))

    def label(self, lang: str) -> str:
        """The label in ``lang``, else Spanish, else any language."""
        return _pick(self.labels, lang)

    def short_label(self, lang: str) -> str:
        """The short label in ``lang``, else Spanish, else any; "" when there is none."""
        return _pick(self.short_labels, lang)

    def description(self, lang: str) -> str:
        """The description in ``lang``, else Spanish, else any; "" when there is none."""
        return _pick(self.descriptions, lang)


@dataclass(frozen=True)
class Controller:
    """Who is responsible for the personal data (Ley Orgánica de Protección de Datos Personales)."""

    name: str
    """The legal entity, e.g. "Municipio del Distrito Metropolitano de Quito"."""
    contact: str
    """Where data requests go: an e-mail or postal address."""
    dpo: str = ""
    """The data protection officer (delegado de protección de datos), if there is one."""


@dataclass(frozen=True)
class Consultation:
    """A consultation as read from its file; see ``consultations/quito-2024.toml``."""

    slug: str  # e.g. "quito-2024"
    code_prefix: str  # e.g. "UIO" ([A-Z]{2,6})
    names: Mapping[str, str]
    opens: datetime  # timezone-aware
    closes: datetime  # timezone-aware, after opens
    timezone: str  # IANA name, default "America/Guayaquil"
    languages: tuple[str, ...]  # first is the default; must include "es"
    axes: tuple[Option, ...]  # at least 1
    pillars: tuple[Option, ...]  # at least 1
    zones: tuple[Option, ...]  # may be empty (then the zone question is skipped)
    zone_question: Mapping[str, str]  # e.g. {"es": "Administración zonal", "en": "Zonal administration"}
    source: str  # the file path it was loaded from
    controller: Controller = Controller("", "")
    optional_steps: tuple[str, ...] = ()
    """Steps asked besides the default ones, e.g. ("lead_institution",)."""

    def __hash__(self) -> int:
        return hash((self.slug, self.code_prefix, self.opens, self.closes, self.source))

    def name(self, lang: str) -> str:
        """The consultation's name in ``lang``, else Spanish, else any language."""
        return _pick(self.names, lang)

    def axis(self, option_id: str) -> Option | None:
        return _find(self.axes, option_id)

    def pillar(self, option_id: str) -> Option | None:
        return _find(self.pillars, option_id)

    def zone(self, option_id: str) -> Option | None:
        return _find(self.zones, option_id)

    def is_open(self, now: datetime) -> bool:
        """Whether proposals are received at ``now`` (a timezone-aware datetime): opens <= now <= closes."""
        _require_aware(now)
        return self.opens <= now <= self.closes

    def has_opened(self, now: datetime) -> bool:
        """Whether the consultation has opened by ``now`` (it may have closed since)."""
        _require_aware(now)
        return self.opens <= now


def _find(options: tuple[Option, ...], option_id: str) -> Option | None:
    for option in options:
        if option.id == option_id:
            return option
    return None


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime, e.g. datetime.now(timezone.utc)")
