"""The `cocrea workshops` arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from handlers.workshops.template_size import DEFAULT_ROWS


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    workshops = commands.add_parser("workshops", help="in-person workshops: tables, spreadsheets, plenary summary")
    actions = workshops.add_subparsers(dest="workshops_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a workshop of the consultation and print its id (W1)")
    add.add_argument("--name", required=True, help='e.g. "Taller Calderón"')
    add.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the day it is held")
    add.add_argument("--zone", help="a zone id of the consultation file (required when it has zones)")
    add.add_argument("--tables", type=int, help="how many work tables (default 1)")
    add.add_argument("--place", help="where it is held")
    add.add_argument(
        "--table-axis",
        action="append",
        default=[],
        metavar="N=AXIS",
        help="table N works on this thematic axis (repeat for several tables)",
    )
    add.add_argument(
        "--one-table-per-axis", action="store_true", help="one table per thematic axis of the consultation, in order"
    )
    actions.add_parser("list", help="the consultation's workshops")
    template = actions.add_parser("template", help="write the spreadsheet a work table fills (xlsx)")
    template.add_argument("--output", type=Path, required=True, metavar="FILE.xlsx")
    template.add_argument("--lang", default="es", help="language of the labels (default es)")
    template.add_argument("--workshop", metavar="W1", help="list this workshop's tables (default: tables 1 to 20)")
    template.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"rows to prepare (default {DEFAULT_ROWS})")
    importing = actions.add_parser("import", help="import a filled spreadsheet (xlsx or csv) into a workshop")
    importing.add_argument("file", type=Path)
    importing.add_argument("--workshop", required=True, metavar="W1")
    importing.add_argument(
        "--facilitator",
        metavar="TELEGRAM-USER-ID",
        help="the facilitator who answers the moderators' questions about these proposals",
    )
    importing.add_argument("--language", help="the language the proposals are written in (default: es)")
    summary = actions.add_parser("summary", help="the plenary summary of a workshop: per table, by axis, with codes")
    summary.add_argument("workshop", metavar="W1")
    summary.add_argument("--output", type=Path, required=True, metavar="FILE.docx|FILE.md")
    summary.add_argument("--lang", default="es", help="language of the document (default es)")
