"""Checks the parsed data of a consultation file and explains every problem with its line."""

from __future__ import annotations

import difflib
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any, Final

from config.model import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, Consultation, Controller, Option, freeze
from config.toml_lines import KeyPath, LineIndex

OPTION_ID_RE: Final = re.compile(r"[a-z0-9-]{1,24}")
CODE_PREFIX_RE: Final = re.compile(r"[A-Z]{2,6}")
LANGUAGE_RE: Final = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
TIMEZONE_RE: Final = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")

MAX_NAME_CHARS: Final = 150
MAX_LABEL_CHARS: Final = 100
MAX_SHORT_LABEL_CHARS: Final = 20  # a WhatsApp reply button's title
MAX_DESCRIPTION_CHARS: Final = 300
MAX_OPTIONS: Final = 100

_LANGUAGE_NAMES: Final[Mapping[str, str]] = {"es": "Spanish", "en": "English"}

_TOP_LEVEL_KEYS: Final = (
    "names",
    "code_prefix",
    "opens",
    "closes",
    "timezone",
    "languages",
    "zone_question",
    "axes",
    "pillars",
    "zones",
    "optional_steps",
    "controller",
)
_CONTROLLER_KEYS: Final = ("name", "contact", "dpo")
_OPTION_KEYS: Final = ("id", "labels", "short_labels", "descriptions")

# Words staff are likely to write instead of the real key; checked before difflib.
_KEY_ALIASES: Final[Mapping[str, str]] = {
    "name": "names",
    "title": "names",
    "titles": "names",
    "nombre": "names",
    "prefix": "code_prefix",
    "code": "code_prefix",
    "prefijo": "code_prefix",
    "open": "opens",
    "start": "opens",
    "starts": "opens",
    "opening": "opens",
    "apertura": "opens",
    "close": "closes",
    "end": "closes",
    "ends": "closes",
    "closing": "closes",
    "cierre": "closes",
    "tz": "timezone",
    "time_zone": "timezone",
    "zona_horaria": "timezone",
    "language": "languages",
    "langs": "languages",
    "idiomas": "languages",
    "axis": "axes",
    "ejes": "axes",
    "themes": "axes",
    "pillar": "pillars",
    "pilares": "pillars",
    "values": "pillars",
    "zone": "zones",
    "zonas": "zones",
    "places": "zones",
    "zone_label": "zone_question",
    "zone_title": "zone_question",
    "label": "labels",
    "etiquetas": "labels",
    "text": "labels",
    "description": "descriptions",
    "descripcion": "descriptions",
    "help": "descriptions",
    "slug": "id",
    "key": "id",
    "code_id": "id",
}

_KIND_SINGULAR: Final[Mapping[str, str]] = {"axes": "axis", "pillars": "pillar", "zones": "zone"}


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


class Checker:
    def __init__(self, source: str, index: LineIndex, slug: str) -> None:
        self.source = source
        self.index = index
        self.slug = slug
        self.problems: list[tuple[int | None, str]] = []
        self.suggested: set[KeyPath] = set()  # keys named by a "did you mean" hint

    def problem(self, path: KeyPath, text: str) -> None:
        self.problems.append((self.index.line_of(path), text))

    # -- generic pieces
    def unknown_keys(self, table: Mapping[str, Any], known: tuple[str, ...], base: KeyPath, where: str) -> None:
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

    def texts(self, value: object, path: KeyPath, what: str, max_chars: int) -> dict[str, str] | None:
        """A table of language code -> text, e.g. ``labels.es = "..."``."""
        key_name = str(path[-1])
        if isinstance(value, str):
            self.problem(
                path,
                f'{what} must be written once per language, like {key_name}.es = "…", not {key_name} = "…"',
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
            "labels": "label",
            "descriptions": "description",
            "names": "name",
            "zone_question": "text",
        }.get(last, "text")

    def moment(self, value: object, path: KeyPath, key: str) -> datetime | None:
        example = "2024-07-15T00:00:00-05:00"
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                self.problem(
                    path,
                    f"{key} has no UTC offset: write it like {example} (-05:00 is mainland Ecuador's time)",
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
            self.problem(path, f"{key} must be a date and time without quotes, like {key} = {example}")
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
                self.problem(("code_prefix",), f'code_prefix must be text in "quotes", not {_type_name(value)}')
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
        optional_steps = self.check_names(data, "optional_steps")
        controller = self.check_controller(data)

        axes = self.check_options(data, "axes", lang_for_checks, required=True)
        pillars = self.check_options(data, "pillars", lang_for_checks, required=True)
        zones = self.check_options(data, "zones", lang_for_checks, required=False)

        zone_question: dict[str, str] = {}
        if "zone_question" in data:
            checked = self.texts(data["zone_question"], ("zone_question",), "the zone question", MAX_LABEL_CHARS)
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
            or controller is None
        ):
            return None
        return Consultation(
            slug=self.slug,
            code_prefix=code_prefix,
            names=freeze(names),
            opens=opens,
            closes=closes,
            timezone=timezone_name,
            languages=languages,
            axes=axes,
            pillars=pillars,
            zones=zones,
            zone_question=freeze(zone_question),
            source=self.source,
            optional_steps=optional_steps,
            controller=controller,
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

    def check_controller(self, data: Mapping[str, Any]) -> Controller | None:
        """The [controller] table: who answers for the personal data, and where requests go."""
        example = '[controller] with name = "Municipio de …" and contact = "datos@….gob.ec"'
        if not self.required(data, "controller", (), "at the top of the file", example):
            return None
        table = data["controller"]
        if not isinstance(table, dict):
            self.problem(("controller",), f"controller must be a table: {example}, not {_type_name(table)}")
            return None
        self.unknown_keys(table, _CONTROLLER_KEYS, ("controller",), "in [controller]")
        values: dict[str, str] = {}
        for key in _CONTROLLER_KEYS:
            if key not in table:
                if key != "dpo":
                    self.missing(("controller",), key, f'[controller] has no {key} (for example: {key} = "…")')
                continue
            checked = self.text(table[key], ("controller", key), f"controller.{key}", MAX_NAME_CHARS)
            if checked is not None:
                values[key] = checked
        if "name" not in values or "contact" not in values:
            return None
        return Controller(values["name"], values["contact"], values.get("dpo", ""))

    def check_names(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        """An optional list of short names, like optional_steps = ["lead_institution"]."""
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.problem((key,), f'{key} must be a list of names in "quotes", like {key} = ["lead_institution"]')
            return ()
        return tuple(value)

    def check_timezone(self, data: Mapping[str, Any]) -> str | None:
        if "timezone" not in data:
            return DEFAULT_TIMEZONE
        value = data["timezone"]
        path: KeyPath = ("timezone",)
        if not isinstance(value, str):
            self.problem(path, f'timezone must be text in "quotes", not {_type_name(value)}')
            return None
        if not TIMEZONE_RE.fullmatch(value) or not _timezone_exists(value):
            self.problem(path, f'timezone "{value}" is not a known time zone name such as "{DEFAULT_TIMEZONE}"')
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
            self.problem((kind,), f"{kind} has {len(value)} entries; at most {MAX_OPTIONS} fit in one question")
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
                entry["descriptions"],
                (*path, "descriptions"),
                f"the description of {who}",
                MAX_DESCRIPTION_CHARS,
            )
            if descriptions:
                self.per_language(descriptions, (*path, "descriptions"), who, languages)

        short_labels: dict[str, str] | None = {}
        if "short_labels" in entry:
            short_labels = self.texts(
                entry["short_labels"], (*path, "short_labels"), f"the short label of {who}", MAX_SHORT_LABEL_CHARS
            )

        if option_id is None or labels is None or descriptions is None or short_labels is None:
            return None
        return Option(
            id=option_id, labels=freeze(labels), descriptions=freeze(descriptions), short_labels=freeze(short_labels)
        )


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
