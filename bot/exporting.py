"""Wires the storage export to the consultation's labels and the catalogs (see handlers/labels.py)."""

from __future__ import annotations

from handlers.labels import labeler

__all__ = ["labeler"]
