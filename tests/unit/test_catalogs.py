"""Spanish and English are complete, consistent with the code, and safe to format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.i18n import LOCALES_DIR, Catalogs, untranslated

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = ["es", "en"]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "p_": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


SOURCES = (
    ("handlers", [("**.py", "python")]),
    ("bot", [("**.py", "python")]),
    ("web", [("**.py", "python"), ("templates/**.html", "jinja2")]),
)


def ids_in_code() -> set[str]:
    found: set[str] = set()
    for folder, method_map in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=method_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", COMPLETE)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language: str) -> None:
    assert list(untranslated(catalog(language))) == []


@pytest.mark.parametrize("language", COMPLETE)
def test_placeholders_are_the_same_in_every_translation(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        ids = [str(i) for i in message.id] if isinstance(message.id, tuple | list) else [str(message.id)]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(str(text or ""))) == expected, f"{language}: {ids[0]!r} -> {text!r}"


@pytest.mark.parametrize("language", COMPLETE)
def test_every_string_of_the_code_is_in_the_catalog(language: str) -> None:
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    missing = sorted(ids_in_code() - known)
    assert missing == [], "run the extract/update commands of the README and translate: " + repr(missing[:5])


def test_the_template_matches_the_code() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert template == ids_in_code(), "locales/messages.pot is stale: re-run the extract command of the README"


def test_no_fstring_inside_a_translation_call() -> None:
    pattern = re.compile(r"\b_\(\s*f[\"']")
    offenders = [
        str(p)
        for folder in ("handlers", "bot", "web")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_catalogs_are_compiled_from_the_po_files_at_start() -> None:
    catalogs = Catalogs()
    assert catalogs.is_complete("es") and catalogs.is_complete("en")
    assert catalogs.get("es")._("Choose your language") == "Elige tu idioma"
    assert catalogs.get("xx").language == "es", "an unknown language falls back to Spanish"


def test_no_fstring_or_concatenation_inside_a_template_translation() -> None:
    pattern = re.compile(r"\b_\(\s*[\"'][^\"']*[\"']\s*[~+]")
    offenders = [str(p) for p in (ROOT / "web" / "templates").rglob("*.html") if pattern.search(p.read_text("utf-8"))]
    assert offenders == []
