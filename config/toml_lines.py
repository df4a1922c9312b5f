"""Where each key of a TOML file is written: a small scanner over text tomllib already accepted.

tomllib gives values but not positions, and no well-kept library gives both (tomlkit keeps
the document's layout but not line numbers), so this scanner maps key paths to lines for
the consultation checker's messages.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Mapping
from typing import Final

KeyPath = tuple[str | int, ...]

_BARE_KEY_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES: Final[Mapping[str, str]] = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "e": "\x1b",
}


class LineIndex:
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
