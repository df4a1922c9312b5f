"""A file that Decidim's proposals import accepts ("Import proposals from a file").

Decidim reads a CSV with ``;`` as separator (or JSON, or Excel) whose header
names the fields: ``title/<locale>`` and ``body/<locale>`` (required for the
organisation's default locale), ``category/id`` (Decidim ≤ 0.27; 0.28 and later
use taxonomies and ignore it), ``scope/id``, ``address``, ``latitude`` and
``longitude``; ``id`` is read and ignored, so it carries our tracking code.

Decidim publishes what it imports, so the file holds nothing about the author:
the title is the tracking code and the start of the problem, the body joins the
problem, the solution and how it would help under headings in the chosen
language, followed by the axis and pillar. Category ids belong to the Decidim
instance, so ``category/id`` is filled only from the mapping the caller passes
(our axis id → Decidim category id). ``scope/id`` and ``address`` stay empty: our
zone is the author's own profile answer, not the place of the proposal.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from storage.export import Row, Value

TITLE_CHARS = 150
HEADINGS = ("problem", "solution", "contribution", "axis", "pillar", "code")


@dataclass(frozen=True)
class DecidimOptions:
    locale: str
    headings: Mapping[str, str]
    """Texts of the body's headings in ``locale``: keys ``HEADINGS``."""
    categories: Mapping[str, str] = field(default_factory=dict)
    """Our axis id → the Decidim category id."""


def decidim_columns(locale: str) -> tuple[str, ...]:
    return ("id", f"title/{locale}", f"body/{locale}", "category/id", "scope/id", "address", "latitude", "longitude")


def decidim_row(row: Row, options: DecidimOptions) -> dict[str, Value]:
    locale = options.locale
    return {
        "id": row["code"],
        f"title/{locale}": title(row),
        f"body/{locale}": body(row, options.headings),
        "category/id": options.categories.get(str(row["axis_id"]), ""),
        "scope/id": "",
        "address": "",
        "latitude": row["latitude"],
        "longitude": row["longitude"],
    }


def title(row: Row) -> str:
    head = f"{row['code']}: "
    problem = " ".join(str(row["problem"]).split())
    room = TITLE_CHARS - len(head)
    return head + (problem if len(problem) <= room else problem[: room - 1].rstrip() + "…")


def body(row: Row, headings: Mapping[str, str]) -> str:
    sections = [f"{headings[key]}\n{row[key]}" for key in ("problem", "solution", "contribution")]
    facts = [f"{headings[key]}: {row[key]}" for key in ("axis", "pillar")]
    facts.append(f"{headings['code']}: {row['code']}")
    return "\n\n".join([*sections, "\n".join(facts)])


async def write_decidim(rows: AsyncIterator[Row], out: TextIO, options: DecidimOptions) -> int:
    """Write the import file (UTF-8 without byte-order mark, ``;``-separated); returns the number of rows."""
    columns = decidim_columns(options.locale)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        values = decidim_row(row, options)
        writer.writerow(["" if values[c] is None else str(values[c]) for c in columns])
        count += 1
    return count
