"""The export formats and their file extensions (light: the command line's parser reads them)."""

from __future__ import annotations

FORMATS = ("csv", "xlsx", "json", "jsonl", "decidim")
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "json": "json", "jsonl": "jsonl", "decidim": "csv"}
