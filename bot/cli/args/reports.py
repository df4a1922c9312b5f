"""The `cocrea reports` arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from handlers.staff.formats import FORMATS


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    export = commands.add_parser("export", help="export submitted proposals (staff)")
    export.add_argument("--format", default="csv", choices=FORMATS, help="file format (default csv)")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--excel", action="store_true", help="CSV with ';' as separator, as Excel in Spanish expects")
    export.add_argument(
        "--public",
        action="store_true",
        help="the anonymised public-repository export: no participant, no profile answers",
    )
    export.add_argument(
        "--decidim-category",
        action="append",
        default=[],
        metavar="AXIS=ID",
        help="with --format decidim: the Decidim category id of one of our axes",
    )
    add_filter_arguments(export)
    stats = commands.add_parser(
        "stats",
        help="counts of proposals by axis × pillar, zone (chat and workshops side by side), sector, language, day",
    )
    stats.add_argument("--chart", type=Path, metavar="PATH.png", help="also draw the heat map and daily intake")
    add_filter_arguments(stats)


def add_filter_arguments(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("filters (repeat a filter or give a comma-separated list for several values)")
    group.add_argument("--axis", action="append", default=[], metavar="ID", help="thematic axis id")
    group.add_argument("--pillar", action="append", default=[], metavar="ID", help="open-government pillar id")
    group.add_argument("--zone", action="append", default=[], metavar="ID", help="zone id")
    group.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS",
        help="received, in_review, needs_info, accepted, merged, not_adopted, withdrawn",
    )
    group.add_argument(
        "--language", action="append", default=[], metavar="CODE", help="language the proposal was written in"
    )
    group.add_argument("--since", metavar="YYYY-MM-DD", help="submitted on or after this day")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="submitted on or before this day")
    group.add_argument(
        "--source", action="append", default=[], metavar="SOURCE", help="chat (the bot) or workshop (work tables)"
    )
    group.add_argument("--workshop", action="append", default=[], metavar="W1", help="proposals of this workshop")
    group.add_argument(
        "--consultation",
        metavar="SLUG|all",
        help="another consultation of this database, or all of them mixed (default: the configured one)",
    )
    command.add_argument("--lang", default="es", help="language of the labels (default es)")
