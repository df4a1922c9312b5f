"""Consultation files: a consultation (one municipality's call for proposals) is data, not code.

Each file in the repository's ``consultations/`` folder describes one: its name, the
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

import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from config.checker import Checker
from config.model import Consultation, ConsultationError, Option, error
from config.toml_lines import LineIndex

__all__ = [
    "BUNDLED_DIR",
    "Consultation",
    "ConsultationError",
    "Option",
    "bundled_names",
    "find_consultation",
    "load_consultation",
    "parse_consultation",
]

BUNDLED_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "consultations"

_TOML_HINTS: Final[Mapping[str, str]] = {
    "Invalid value": 'text must be in "quotes" and dates written like 2024-07-15T00:00:00-05:00',
    "Cannot overwrite a value": "a key is written twice, or a key and a table have the same name",
    "Expected '=' after a key in a key/value pair": "each line should look like key = value",
    "Invalid statement": "each line should look like key = value, [table] or [[list]]",
    "Unclosed array": "a list opened with [ is missing its closing ]",
    "Unterminated string": "a text is missing its closing quote",
}


# ---------------------------------------------------------------------------
# Loading


def bundled_names() -> list[str]:
    """The names of the consultations shipped in ``consultations/`` (file names without .toml)."""
    if not BUNDLED_DIR.is_dir():
        return []
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml") if p.is_file())


@functools.cache
def find_consultation(slug: str) -> Consultation | None:
    """A bundled consultation by its slug, to read the proposals it left in a database (None if unknown)."""
    if slug not in bundled_names():
        return None
    try:
        return load_consultation(slug)
    except ConsultationError:
        return None


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
        raise error(source, [(line, "the file is not UTF-8 text; save it again with the UTF-8 encoding")]) from None
    return parse_consultation(text, source)


def parse_consultation(text: str, source: str) -> Consultation:
    """Read and check one consultation file's text; ``source`` names it in error messages.

    The consultation's slug is the file name without its extension.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _tomlerror(str(exc), text, source) from None
    index = LineIndex(text)
    checker = Checker(source, index, _slug_from(source))
    consultation = checker.check(data)
    if checker.problems or consultation is None:
        raise error(source, checker.problems)
    return consultation


def _slug_from(source: str) -> str:
    stem = Path(source.replace("\\", "/")).stem.lower()
    slug = re.sub(r"[^a-z0-9-]+", "-", stem).strip("-")
    return slug or "consultation"


_POSITION_RE: Final = re.compile(
    r"^(?P<problem>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _tomlerror(message: str, text: str, source: str) -> ConsultationError:
    match = _POSITION_RE.match(message)
    if match is None:
        return error(source, [(None, f"not valid TOML: {message}")])
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
    return error(source, [(line, plain)])
