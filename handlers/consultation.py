"""Consultation definitions: what a consultation asks, read from a TOML file.

A consultation (one municipality's call for proposals) is data, not code. Each
file in the repository's ``consultations/`` folder describes one: its name, the
prefix of its tracking codes, when it opens and closes, its languages, and the
options of its three questions (thematic axis, open-government pillar, zone),
with a label for each option in each language. ``consultations/quito-2024.toml``
documents every field in its opening comments.

The files are edited by municipal staff, so every problem is reported in plain
words with the file and the line it is on::

    consultations/x.toml, line 12: axis "7" has no Spanish label (labels.es)

Only the standard library is used (``tomllib``).
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import re
import tomllib
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "BUNDLED_DIR",
    "Consultation",
    "ConsultationError",
    "Option",
    "bundled_names",
    "load_consultation",
    "parse_consultation",
]

BUNDLED_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "consultations"

DEFAULT_LANGUAGE: Final = "es"
DEFAULT_TIMEZONE: Final = "America/Guayaquil"

OPTION_ID_RE: Final = re.compile(r"[a-z0-9-]{1,24}")
CODE_PREFIX_RE: Final = re.compile(r"[A-Z]{2,6}")
LANGUAGE_RE: Final = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
TIMEZONE_RE: Final = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")

MAX_NAME_CHARS: Final = 150
MAX_LABEL_CHARS: Final = 100
MAX_DESCRIPTION_CHARS: Final = 300
MAX_OPTIONS: Final = 100  # Telegram shows at most 100 inline buttons in one message
MAX_REPORTED_PROBLEMS: Final = 20

_LANGUAGE_NAMES: Final[Mapping[str, str]] = {"es": "Spanish", "en": "English"}

_TOP_LEVEL_KEYS: Final = (
    "names", "code_prefix", "opens", "closes", "timezone", "languages",
    "zone_question", "axes", "pillars", "zones",
)
_OPTION_KEYS: Final = ("id", "labels", "descriptions")

# Words staff are likely to write instead of the real key; checked before difflib.
_KEY_ALIASES: Final[Mapping[str, str]] = {
    "name": "names", "title": "names", "titles": "names", "nombre": "names",
    "prefix": "code_prefix", "code": "code_prefix", "prefijo": "code_prefix",
    "open": "opens", "start": "opens", "starts": "opens", "opening": "opens", "apertura": "opens",
    "close": "closes", "end": "closes", "ends": "closes", "closing": "closes", "cierre": "closes",
    "tz": "timezone", "time_zone": "timezone", "zona_horaria": "timezone",
    "language": "languages", "langs": "languages", "idiomas": "languages",
    "axis": "axes", "ejes": "axes", "themes": "axes",
    "pillar": "pillars", "pilares": "pillars", "values": "pillars",
    "zone": "zones", "zonas": "zones", "places": "zones",
    "zone_label": "zone_question", "zone_title": "zone_question",
    "label": "labels", "etiquetas": "labels", "text": "labels",
    "description": "descriptions", "descripcion": "descriptions", "help": "descriptions",
    "slug": "id", "key": "id", "code_id": "id",
}

_KIND_SINGULAR: Final[Mapping[str, str]] = {"axes": "axis", "pillars": "pillar", "zones": "zone"}

_TOML_HINTS: Final[Mapping[str, str]] = {
    "Invalid value": "text must be in \"quotes\" and dates written like 2024-07-15T00:00:00-05:00",
    "Cannot overwrite a value": "a key is written twice, or a key and a table have the same name",
    "Expected '=' after a key in a key/value pair": "each line should look like key = value",
    "Invalid statement": "each line should look like key = value, [table] or [[list]]",
    "Unclosed array": "a list opened with [ is missing its closing ]",
    "Unterminated string": "a text is missing its closing quote",
}


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


def _error(source: str, problems: Iterable[tuple[int | None, str]]) -> ConsultationError:
    found = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
    shown = found[:MAX_REPORTED_PROBLEMS]
    lines = [
        f"{source}, line {line}: {text}" if line is not None else f"{source}: {text}"
        for line, text in shown
    ]
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


def _freeze(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Option:
    """One answer to a question: a thematic axis, a pillar or a zone."""

    id: str                      # short ASCII id: [a-z0-9-]{1,24} (it travels in 64-byte callback data)
    labels: Mapping[str, str]    # language code -> label
    descriptions: Mapping[str, str]  # may be empty

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted(self.labels.items()))))

    def label(self, lang: str) -> str:
        """The label in ``lang``, else Spanish, else any language."""
        return _pick(self.labels, lang)

    def description(self, lang: str) -> str:
        """The description in ``lang``, else Spanish, else any; "" when there is none."""
        return _pick(self.descriptions, lang)


@dataclass(frozen=True)
class Consultation:
    """A consultation as read from its file; see ``consultations/quito-2024.toml``."""

    slug: str                    # e.g. "quito-2024"
    code_prefix: str             # e.g. "UIO" ([A-Z]{2,6})
    names: Mapping[str, str]
    opens: datetime              # timezone-aware
    closes: datetime             # timezone-aware, after opens
    timezone: str                # IANA name, default "America/Guayaquil"
    languages: tuple[str, ...]   # first is the default; must include "es"
    axes: tuple[Option, ...]     # at least 1
    pillars: tuple[Option, ...]  # at least 1
    zones: tuple[Option, ...]    # may be empty (then the zone question is skipped)
    zone_question: Mapping[str, str]  # e.g. {"es": "Administración zonal", "en": "Zonal administration"}
    source: str                  # the file path it was loaded from

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


# ---------------------------------------------------------------------------
# Loading

def bundled_names() -> list[str]:
    """The names of the consultations shipped in ``consultations/`` (file names without .toml)."""
    if not BUNDLED_DIR.is_dir():
        return []
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml") if p.is_file())


def load_consultation(name_or_path: str) -> Consultation:
    """Load a bundled consultation by name ("quito-2024") or any consultation file by path."""
    candidate = name_or_path.strip()
    if not candidate:
        raise ConsultationError(
            "no consultation given; bundled consultations: " + (", ".join(bundled_names()) or "none")
        )
    looks_like_path = candidate.endswith(".toml") or "/" in candidate or "\\" in candidate
    if looks_like_path:
        path = Path(candidate).expanduser()
        source = candidate
    else:
        names = bundled_names()
        if candidate not in names:
            close = difflib.get_close_matches(candidate, names, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ConsultationError(
                f'no bundled consultation named "{candidate}"{hint}. '
                f"Bundled consultations: {', '.join(names) or 'none'} "
                f"(in {BUNDLED_DIR}); or give the path to a .toml file"
            )
        path = BUNDLED_DIR / f"{candidate}.toml"
        source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConsultationError(f"{source}: file not found", source=source) from None
    except IsADirectoryError:
        raise ConsultationError(f"{source}: is a folder, not a .toml file", source=source) from None
    except OSError as exc:
        raise ConsultationError(f"{source}: cannot be read ({exc.strerror})", source=source) from None
    try:
        # utf-8-sig: a byte-order mark left by some Windows editors is dropped, not an error.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _error(
            source, [(line, "the file is not UTF-8 text; save it again with the UTF-8 encoding")]
        ) from None
    return parse_consultation(text, source)


def parse_consultation(text: str, source: str) -> Consultation:
    """Read and check one consultation file's text; ``source`` names it in error messages.

    The consultation's slug is the file name without its extension.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(str(exc), text, source) from None
    index = _LineIndex(text)
    checker = _Checker(source, index, _slug_from(source))
    consultation = checker.check(data)
    if checker.problems or consultation is None:
        raise _error(source, checker.problems)
    return consultation


def _slug_from(source: str) -> str:
    stem = Path(source.replace("\\", "/")).stem.lower()
    slug = re.sub(r"[^a-z0-9-]+", "-", stem).strip("-")
    return slug or "consultation"


_POSITION_RE: Final = re.compile(
    r"^(?P<problem>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _toml_error(message: str, text: str, source: str) -> ConsultationError:
    match = _POSITION_RE.match(message)
    if match is None:
        return _error(source, [(None, f"not valid TOML: {message}")])
    problem = match["problem"]
    if match["line"] is not None:
        line = int(match["line"])
        where = f" (column {match['col']})"
    else:
        line = max(1, len(text.rstrip().splitlines()))
        where = " (at the end of the file)"
    hint = _TOML_HINTS.get(problem)
    if match["line"] is None and problem in ("Invalid value", "Unclosed array", "Unterminated string"):
        hint = 'something is not closed: check for a missing ], } or " near the end'
    elif hint is None and problem.startswith("Cannot declare"):
        hint = "the same [table] is written twice"
    plain = f"not valid TOML: {problem[:1].lower()}{problem[1:]}{where}"
    if hint:
        plain += f"; {hint}"
    return _error(source, [(line, plain)])


# ---------------------------------------------------------------------------
# Where each key is: a small scanner over the (already valid) TOML text

KeyPath = tuple[str | int, ...]

_BARE_KEY_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES: Final[Mapping[str, str]] = {
    "b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b",
}


class _LineIndex:
    """Maps key paths such as ``("axes", 2, "labels", "es")`` to the line they are written on.

    Tables of an array (``[[axes]]``) and elements of an inline array get integer indices.
    The text has already been parsed by tomllib, so it is valid TOML; the scanner still
    never raises and never loops: on anything unexpected it stops and keeps what it found.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self._lines: dict[KeyPath, int] = {}
        self._array_counts: dict[KeyPath, int] = {}
        with contextlib.suppress(IndexError, ValueError, RecursionError):
            self._document()

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, or of its nearest written ancestor; the top level is line 1."""
        for n in range(len(path), 0, -1):
            line = self._lines.get(path[:n])
            if line is not None:
                return line
        return 1

    def has(self, path: KeyPath) -> bool:
        return path in self._lines

    # -- scanning helpers
    def _line_at(self, pos: int) -> int:
        return bisect.bisect_left(self._newlines, pos) + 1

    def _record(self, path: KeyPath, pos: int) -> None:
        self._lines.setdefault(path, self._line_at(pos))

    def _peek(self, offset: int = 0) -> str:
        i = self._pos + offset
        return self._text[i] if i < len(self._text) else ""

    def _skip_blank(self, newlines: bool) -> None:
        text = self._text
        while self._pos < len(text):
            ch = text[self._pos]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self._pos += 1
            elif newlines and ch == "#":
                self._skip_to_eol()
            else:
                return

    def _skip_to_eol(self) -> None:
        end = self._text.find("\n", self._pos)
        self._pos = len(self._text) if end < 0 else end + 1

    # -- grammar
    def _document(self) -> None:
        table: KeyPath = ()
        text = self._text
        while self._pos < len(text):
            start = self._pos
            self._skip_blank(newlines=True)
            if self._pos >= len(text):
                return
            if self._peek() == "[":
                table = self._header()
            else:
                self._keyval(table)
                self._skip_blank(newlines=False)
                if self._peek() == "#":
                    self._skip_to_eol()
            if self._pos <= start:  # no progress: give up rather than loop
                return

    def _header(self) -> KeyPath:
        start = self._pos
        is_array = self._peek(1) == "["
        self._pos += 2 if is_array else 1
        keys = self._keys()
        self._skip_blank(newlines=False)
        self._pos += 2 if is_array else 1
        resolved: list[str | int] = []
        for n, key in enumerate(keys):
            resolved.append(key)
            prefix = tuple(resolved)
            if is_array and n == len(keys) - 1:
                index = self._array_counts.get(prefix, 0)
                self._array_counts[prefix] = index + 1
                self._record(prefix, start)
                resolved.append(index)
            elif prefix in self._array_counts:
                resolved.append(self._array_counts[prefix] - 1)
            self._record(tuple(resolved), start)
        return tuple(resolved)

    def _keys(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            ch = self._peek()
            if ch == '"':
                keys.append(self._basic_string())
            elif ch == "'":
                end = self._text.index("'", self._pos + 1)
                keys.append(self._text[self._pos + 1 : end])
                self._pos = end + 1
            else:
                begin = self._pos
                while self._peek() in _BARE_KEY_CHARS and self._peek() != "":
                    self._pos += 1
                if self._pos == begin:
                    raise ValueError("no key here")
                keys.append(self._text[begin : self._pos])
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return keys
            self._pos += 1

    def _keyval(self, base: KeyPath) -> None:
        start = self._pos
        keys = self._keys()
        self._skip_blank(newlines=False)
        if self._peek() != "=":
            raise ValueError("expected =")
        self._pos += 1
        self._skip_blank(newlines=False)
        path: KeyPath = base
        for key in keys:
            path = (*path, key)
            self._record(path, start)
        self._value(path)

    def _basic_string(self) -> str:
        self._pos += 1
        out: list[str] = []
        text = self._text
        while True:
            ch = text[self._pos]
            if ch == '"':
                self._pos += 1
                return "".join(out)
            if ch == "\\":
                code = text[self._pos + 1]
                if code in "uU":
                    width = 4 if code == "u" else 8
                    out.append(chr(int(text[self._pos + 2 : self._pos + 2 + width], 16)))
                    self._pos += 2 + width
                    continue
                out.append(_ESCAPES.get(code, code))
                self._pos += 2
                continue
            out.append(ch)
            self._pos += 1

    def _value(self, path: KeyPath) -> None:
        text = self._text
        if text.startswith('"""', self._pos):
            self._pos += 3
            while not text.startswith('"""', self._pos):
                self._pos += 2 if text[self._pos] == "\\" else 1
            self._pos += 3
            for _ in range(2):  # up to two quotes may end the content
                if self._peek() == '"':
                    self._pos += 1
        elif text.startswith("'''", self._pos):
            self._pos = text.index("'''", self._pos + 3) + 3
            for _ in range(2):
                if self._peek() == "'":
                    self._pos += 1
        elif self._peek() == '"':
            self._basic_string()
        elif self._peek() == "'":
            self._pos = text.index("'", self._pos + 1) + 1
        elif self._peek() == "[":
            self._pos += 1
            index = 0
            while True:
                self._skip_blank(newlines=True)
                if self._peek() in ("]", ""):
                    self._pos += 1
                    return
                element = (*path, index)
                self._record(element, self._pos)
                self._value(element)
                index += 1
                self._skip_blank(newlines=True)
                if self._peek() == ",":
                    self._pos += 1
        elif self._peek() == "{":
            self._pos += 1
            while True:
                self._skip_blank(newlines=True)
                if self._peek() in ("}", ""):
                    self._pos += 1
                    return
                self._keyval(path)
                self._skip_blank(newlines=True)
                if self._peek() == ",":
                    self._pos += 1
        else:  # number, boolean or date-time (which may contain a space)
            while self._peek() not in ("", ",", "]", "}", "#", "\n", "\r"):
                self._pos += 1


# ---------------------------------------------------------------------------
# Checking the parsed data


def _language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, f'"{code}"')


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time of day"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _suggest(key: str, known: Iterable[str]) -> str | None:
    """The known key that ``key`` was probably meant to be, if any."""
    known = list(known)
    alias = _KEY_ALIASES.get(key.lower())
    if alias in known:
        return alias
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


class _Checker:
    def __init__(self, source: str, index: _LineIndex, slug: str) -> None:
        self.source = source
        self.index = index
        self.slug = slug
        self.problems: list[tuple[int | None, str]] = []
        self.suggested: set[KeyPath] = set()  # keys named by a "did you mean" hint

    def problem(self, path: KeyPath, text: str) -> None:
        self.problems.append((self.index.line_of(path), text))

    # -- generic pieces
    def unknown_keys(
        self, table: Mapping[str, Any], known: tuple[str, ...], base: KeyPath, where: str
    ) -> None:
        for key in table:
            if key in known:
                continue
            suggestion = _suggest(key, known)
            if suggestion is not None:
                self.suggested.add((*base, suggestion))
                hint = f'; did you mean "{suggestion}"?'
            else:
                hint = f" (known keys: {', '.join(known)})"
            self.problem((*base, key), f'unknown key "{key}" {where}{hint}')

    def missing(self, base: KeyPath, key: str, text: str, at: KeyPath | None = None) -> None:
        """Report a missing key (on the line of ``at``, default its table), unless a misspelt
        key already pointed at it."""
        if (*base, key) not in self.suggested:
            self.problem(base if at is None else at, text)

    def required(self, table: Mapping[str, Any], key: str, base: KeyPath, where: str, example: str) -> bool:
        if key in table:
            return True
        self.missing(base, key, f'missing required key "{key}" {where} (for example: {example})')
        return False

    def text(self, value: object, path: KeyPath, what: str, max_chars: int) -> str | None:
        if not isinstance(value, str):
            self.problem(path, f'{what} must be text in "quotes", not {_type_name(value)}')
            return None
        stripped = value.strip()
        if not stripped:
            self.problem(path, f"{what} is empty")
            return None
        if "\n" in stripped or "\r" in stripped:
            self.problem(path, f"{what} must be a single line")
            return None
        if len(stripped) > max_chars:
            self.problem(path, f"{what} is {len(stripped)} characters long; keep it under {max_chars}")
            return None
        return stripped

    def texts(
        self, value: object, path: KeyPath, what: str, max_chars: int
    ) -> dict[str, str] | None:
        """A table of language code -> text, e.g. ``labels.es = "..."``."""
        key_name = str(path[-1])
        if isinstance(value, str):
            self.problem(
                path,
                f'{what} must be written once per language, like {key_name}.es = "…", '
                f'not {key_name} = "…"',
            )
            return None
        if not isinstance(value, dict):
            self.problem(path, f"{what} must be a table of language code = text, not {_type_name(value)}")
            return None
        result: dict[str, str] = {}
        ok = True
        for code, item in value.items():
            if not LANGUAGE_RE.fullmatch(code):
                hint = ""
                lowered = code.lower()
                if LANGUAGE_RE.fullmatch(lowered):
                    hint = f'; did you mean "{lowered}"?'
                self.problem(
                    (*path, code),
                    f'"{code}" in {key_name} is not a language code like "es" or "en"{hint}',
                )
                ok = False
                continue
            checked = self.text(item, (*path, code), f"{what} ({key_name}.{code})", max_chars)
            if checked is None:
                ok = False
            else:
                result[code] = checked
        # After a bad entry, stop here: "no Spanish label" would only repeat the problem.
        return result if ok else None

    def per_language(
        self,
        texts: Mapping[str, str],
        path: KeyPath,
        what: str,
        languages: tuple[str, ...],
        require_spanish: bool = True,
    ) -> None:
        """Spanish, and every listed language, must be present."""
        key_name = str(path[-1])
        if require_spanish and DEFAULT_LANGUAGE not in texts:
            self.problem(path, f"{what} has no Spanish {self._noun(key_name)} ({key_name}.es)")
        for code in languages:
            if code == DEFAULT_LANGUAGE or code in texts:
                continue
            self.problem(
                path,
                f"{what} has no {_language_name(code)} {self._noun(key_name)} ({key_name}.{code}), "
                f'but "{code}" is listed in languages',
            )

    @staticmethod
    def _noun(key_name: str) -> str:
        last = key_name.rsplit(".", 1)[-1]
        return {
            "labels": "label", "descriptions": "description", "names": "name",
            "zone_question": "text",
        }.get(last, "text")

    def moment(self, value: object, path: KeyPath, key: str) -> datetime | None:
        example = "2024-07-15T00:00:00-05:00"
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                self.problem(
                    path,
                    f"{key} has no UTC offset: write it like {example} "
                    "(-05:00 is mainland Ecuador's time)",
                )
                return None
            return value
        if isinstance(value, date):
            self.problem(
                path,
                f"{key} must be a date with a time and UTC offset, like {example}, not just a date",
            )
            return None
        if isinstance(value, str):
            self.problem(
                path, f'{key} must be a date and time without quotes, like {key} = {example}'
            )
            return None
        self.problem(path, f"{key} must be a date and time like {example}, not {_type_name(value)}")
        return None

    # -- the whole file
    def check(self, data: dict[str, Any]) -> Consultation | None:
        self.unknown_keys(data, _TOP_LEVEL_KEYS, (), "at the top of the file")
        where = "at the top of the file"

        languages = self.check_languages(data)
        lang_for_checks = languages or (DEFAULT_LANGUAGE,)

        names: dict[str, str] | None = None
        if self.required(data, "names", (), where, 'names.es = "Plan de Acción de Gobierno Abierto"'):
            names = self.texts(data["names"], ("names",), "the consultation's name", MAX_NAME_CHARS)
            if names is not None:
                self.per_language(names, ("names",), "the consultation", lang_for_checks)

        code_prefix: str | None = None
        if self.required(data, "code_prefix", (), where, 'code_prefix = "UIO"'):
            value = data["code_prefix"]
            if not isinstance(value, str):
                self.problem(
                    ("code_prefix",), f'code_prefix must be text in "quotes", not {_type_name(value)}'
                )
            elif not CODE_PREFIX_RE.fullmatch(value):
                self.problem(
                    ("code_prefix",),
                    f'code_prefix "{value}" must be 2 to 6 capital letters A-Z without accents, like "UIO"',
                )
            else:
                code_prefix = value

        opens = closes = None
        if self.required(data, "opens", (), where, "opens = 2024-07-15T00:00:00-05:00"):
            opens = self.moment(data["opens"], ("opens",), "opens")
        if self.required(data, "closes", (), where, "closes = 2027-12-31T23:59:59-05:00"):
            closes = self.moment(data["closes"], ("closes",), "closes")
        if opens is not None and closes is not None and closes <= opens:
            self.problem(
                ("closes",),
                f"closes ({closes.isoformat()}) must be after opens ({opens.isoformat()})",
            )

        timezone_name = self.check_timezone(data)

        axes = self.check_options(data, "axes", lang_for_checks, required=True)
        pillars = self.check_options(data, "pillars", lang_for_checks, required=True)
        zones = self.check_options(data, "zones", lang_for_checks, required=False)

        zone_question: dict[str, str] = {}
        if "zone_question" in data:
            checked = self.texts(
                data["zone_question"], ("zone_question",), "the zone question", MAX_LABEL_CHARS
            )
            if checked is not None:
                zone_question = checked
                self.per_language(zone_question, ("zone_question",), "the zone question", lang_for_checks)
        elif zones:
            self.missing(
                (),
                "zone_question",
                'zones are listed but "zone_question" is missing at the top of the file '
                '(for example: zone_question.es = "Administración zonal")',
                at=("zones",),
            )

        if (
            self.problems
            or names is None
            or code_prefix is None
            or opens is None
            or closes is None
            or timezone_name is None
            or languages is None
            or axes is None
            or pillars is None
            or zones is None
        ):
            return None
        return Consultation(
            slug=self.slug,
            code_prefix=code_prefix,
            names=_freeze(names),
            opens=opens,
            closes=closes,
            timezone=timezone_name,
            languages=languages,
            axes=axes,
            pillars=pillars,
            zones=zones,
            zone_question=_freeze(zone_question),
            source=self.source,
        )

    def check_languages(self, data: Mapping[str, Any]) -> tuple[str, ...] | None:
        if not self.required(data, "languages", (), "at the top of the file", 'languages = ["es", "en"]'):
            return None
        value = data["languages"]
        path: KeyPath = ("languages",)
        if isinstance(value, str):
            self.problem(path, f'languages must be a list, like languages = ["{value}"]')
            return None
        if not isinstance(value, list):
            self.problem(path, f'languages must be a list like ["es", "en"], not {_type_name(value)}')
            return None
        result: list[str] = []
        ok = True
        for n, code in enumerate(value):
            if not isinstance(code, str) or not LANGUAGE_RE.fullmatch(code):
                shown = f'"{code}"' if isinstance(code, str) else _type_name(code)
                self.problem((*path, n), f'languages: {shown} is not a language code like "es" or "en"')
                ok = False
            elif code in result:
                self.problem((*path, n), f'languages: "{code}" is listed twice')
                ok = False
            else:
                result.append(code)
        if ok and DEFAULT_LANGUAGE not in result:
            self.problem(path, 'languages must include "es" (Spanish)')
            ok = False
        return tuple(result) if ok else None

    def check_timezone(self, data: Mapping[str, Any]) -> str | None:
        if "timezone" not in data:
            return DEFAULT_TIMEZONE
        value = data["timezone"]
        path: KeyPath = ("timezone",)
        if not isinstance(value, str):
            self.problem(path, f'timezone must be text in "quotes", not {_type_name(value)}')
            return None
        if not TIMEZONE_RE.fullmatch(value) or not _timezone_exists(value):
            self.problem(
                path, f'timezone "{value}" is not a known time zone name such as "{DEFAULT_TIMEZONE}"'
            )
            return None
        return value

    def check_options(
        self, data: Mapping[str, Any], kind: str, languages: tuple[str, ...], *, required: bool
    ) -> tuple[Option, ...] | None:
        singular = _KIND_SINGULAR[kind]
        if kind not in data:
            if required:
                self.missing(
                    (),
                    kind,
                    f'missing required list "{kind}": add at least one [[{kind}]] table '
                    f'with an id and labels (id = "1" and labels.es = "…")',
                )
                return None
            return ()
        value = data[kind]
        if not isinstance(value, list):
            self.problem(
                (kind,),
                f"{kind} must be a list of [[{kind}]] tables, not {_type_name(value)}",
            )
            return None
        if required and not value:
            self.problem((kind,), f"{kind} is empty: add at least one [[{kind}]] table")
            return None
        if len(value) > MAX_OPTIONS:
            self.problem(
                (kind,), f"{kind} has {len(value)} entries; at most {MAX_OPTIONS} fit in one question"
            )
            return None

        options: list[Option] = []
        ok = True
        seen_ids: dict[str, int] = {}
        seen_labels: dict[tuple[str, str], str] = {}
        for n, entry in enumerate(value):
            path: KeyPath = (kind, n)
            option = self.check_option(entry, path, kind, singular, n, languages)
            if option is None:
                ok = False
                continue
            if option.id in seen_ids:
                self.problem(
                    (*path, "id"),
                    f'{singular} id "{option.id}" is used twice in {kind} '
                    f"(entries {seen_ids[option.id] + 1} and {n + 1}); ids must be different",
                )
                ok = False
                continue
            seen_ids[option.id] = n
            for code, label in option.labels.items():
                other = seen_labels.get((code, label.casefold()))
                if other is not None:
                    self.problem(
                        (*path, "labels", code),
                        f'{singular} "{option.id}" has the same {_language_name(code)} label as '
                        f'{singular} "{other}": "{label}"',
                    )
                    ok = False
                else:
                    seen_labels[(code, label.casefold())] = option.id
            options.append(option)
        return tuple(options) if ok else None

    def check_option(
        self,
        entry: object,
        path: KeyPath,
        kind: str,
        singular: str,
        n: int,
        languages: tuple[str, ...],
    ) -> Option | None:
        if not isinstance(entry, dict):
            self.problem(
                path,
                f"entry {n + 1} of {kind} must be a table with id and labels, not {_type_name(entry)}",
            )
            return None
        option_id: str | None = None
        raw_id = entry.get("id")
        shown = f'"{raw_id}"' if isinstance(raw_id, str) and raw_id else f"number {n + 1}"
        self.unknown_keys(entry, _OPTION_KEYS, path, f"in {singular} {shown}")
        if "id" not in entry:
            self.missing(path, "id", f'{singular} number {n + 1} has no id (add for example id = "{n + 1}")')
        elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
            self.problem(
                (*path, "id"),
                f'{singular} id must be text in quotes: write id = "{raw_id}", not id = {raw_id}',
            )
        elif not isinstance(raw_id, str):
            self.problem((*path, "id"), f'{singular} id must be text in "quotes", not {_type_name(raw_id)}')
        elif len(raw_id) > 24 and OPTION_ID_RE.fullmatch(raw_id[:24]):
            self.problem(
                (*path, "id"),
                f'{singular} id "{raw_id}" is {len(raw_id)} characters long; use at most 24 '
                "(it travels inside Telegram's short button data)",
            )
        elif not OPTION_ID_RE.fullmatch(raw_id):
            self.problem(
                (*path, "id"),
                f'{singular} id "{raw_id}" must be 1 to 24 characters from a-z, 0-9 and "-" '
                f"(lower case, no accents or spaces{_id_hint(raw_id)})",
            )
        else:
            option_id = raw_id
        who = f'{singular} "{option_id}"' if option_id else f"{singular} number {n + 1}"

        labels: dict[str, str] | None = None
        if "labels" not in entry:
            self.missing(path, "labels", f'{who} has no labels (add for example labels.es = "…")')
        else:
            labels = self.texts(entry["labels"], (*path, "labels"), f"the label of {who}", MAX_LABEL_CHARS)
            if labels is not None:
                self.per_language(labels, (*path, "labels"), who, languages)

        descriptions: dict[str, str] | None = {}
        if "descriptions" in entry:
            descriptions = self.texts(
                entry["descriptions"], (*path, "descriptions"), f"the description of {who}",
                MAX_DESCRIPTION_CHARS,
            )
            if descriptions:
                self.per_language(descriptions, (*path, "descriptions"), who, languages)

        if option_id is None or labels is None or descriptions is None:
            return None
        return Option(id=option_id, labels=_freeze(labels), descriptions=_freeze(descriptions))


def _id_hint(raw: str) -> str:
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z0-9-]+", "-", folded).strip("-")[:24]
    if folded and folded != raw and OPTION_ID_RE.fullmatch(folded):
        return f'; for example "{folded}"'
    return ""


def _timezone_exists(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Without any time zone database on this machine, accept a well-formed name.
        return not zoneinfo.available_timezones()
    return True

