"""How many empty rows the workshop template has unless asked otherwise (light: the command line's
parser reads it)."""

from __future__ import annotations

DEFAULT_ROWS = 200
