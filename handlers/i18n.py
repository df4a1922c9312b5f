"""Translations from the gettext catalogs in ``locales/``.

The ``.po`` files are compiled in memory when the bot starts, so a compiled
catalog can never be stale. Message ids are English; Spanish is the default.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime as DateTime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "es"
DEFAULT_TIMEZONE = "America/Guayaquil"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """Everything language-specific for one person: texts, dates, numbers."""

    language: str
    translations: gettext.NullTranslations
    timezone: str = DEFAULT_TIMEZONE
    known: frozenset[str] = frozenset()
    missing: set[str] | None = None

    def _(self, message: str) -> str:
        if self.missing is not None and message not in self.known:
            self.missing.add(message)  # a string the catalogs lack: shown untranslated
        return self.translations.gettext(message)

    def p_(self, context: str, message: str) -> str:
        """``message`` in a context, where one English text needs two translations (a pgettext)."""
        if self.missing is not None and message not in self.known:
            self.missing.add(message)
        return self.translations.pgettext(context, message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def datetime(self, moment: DateTime) -> str:
        local = moment.astimezone(ZoneInfo(self.timezone))
        return format_datetime(local, format="medium", locale=self._babel_locale)

    def date(self, moment: DateTime) -> str:
        local = moment.astimezone(ZoneInfo(self.timezone))
        return format_date(local, format="long", locale=self._babel_locale)

    def day(self, day: Date) -> str:
        """A calendar day (a workshop's date), short: ``15 jul 2024``."""
        return format_date(day, format="medium", locale=self._babel_locale)

    @property
    def _babel_locale(self) -> str:
        return "es_EC" if self.language == "es" else self.language

    def language_name(self, *, in_sentence: bool = False) -> str:
        """The language's name in itself: capitalised on its own (a button), as written inside a sentence
        otherwise (``español``, ``English``)."""
        return language_name(self.language, capitalised=not in_sentence)


def language_name(code: str, *, capitalised: bool = True) -> str:
    """The language's name in itself, e.g. ``Español``, ``English`` (``español`` inside a sentence)."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:] if capitalised else name


class Catalogs:
    """All catalogs found in a locales folder, compiled once."""

    def __init__(self, locales_dir: Path = LOCALES_DIR, default: str = DEFAULT_LANGUAGE) -> None:
        self.default = default
        self._catalogs: dict[str, Catalog] = {}
        self._translations: dict[str, gettext.GNUTranslations] = {}
        self._known: dict[str, frozenset[str]] = {}
        self.missing: set[str] = set()
        self._complete: dict[str, bool] = {}
        for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
            language = po_path.parent.parent.name
            catalog = _read(po_path, language)
            self._catalogs[language] = catalog
            self._translations[language] = _compile(catalog)
            self._known[language] = frozenset(str(m.id) for m in catalog if m.id and isinstance(m.id, str))

    @property
    def languages(self) -> list[str]:
        return list(self._catalogs)

    def is_complete(self, language: str) -> bool:
        if language not in self._complete:
            catalog = self._catalogs.get(language)
            self._complete[language] = catalog is not None and not list(untranslated(catalog))
        return self._complete[language]

    def complete_languages(self, wanted: Iterable[str]) -> list[str]:
        """The wanted languages that have a complete catalog, in the order given."""
        return [lang for lang in wanted if self.is_complete(lang)]

    def get(self, language: str, timezone: str = DEFAULT_TIMEZONE) -> Translator:
        translations = self._translations.get(language) or self._translations.get(self.default)
        chosen = language if language in self._translations else self.default
        known = self._known.get(chosen, frozenset())
        return Translator(chosen, translations or gettext.NullTranslations(), timezone, known, self.missing)


def untranslated(catalog: Catalog) -> Iterable[str]:
    """Ids of messages with no translation or a fuzzy one."""
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            yield str(message.id if isinstance(message.id, str) else message.id[0])


def _read(po_path: Path, language: str) -> Catalog:
    with po_path.open("rb") as handle:
        return read_po(handle, locale=language)


def _compile(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
