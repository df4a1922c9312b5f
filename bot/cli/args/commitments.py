"""The `cocrea commitments` arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from handlers.consolidation.commitment_formats import FORMATS, OGP_VALUE_IDS

EDIT_FLAGS: dict[str, str] = {
    "title": "the commitment's title",
    "problem": "the problem it addresses",
    "status_quo": "the situation today",
    "action": "what will be done",
    "contribution": "how the action contributes to solving the problem",
    "long_term_goal": "the long-term goal",
    "ogp_values": f"comma-separated OGP values: {', '.join(OGP_VALUE_IDS)} (empty: none)",
    "policy_area": "the policy area",
    "sector": "the sector",
    "lead_institution": "the lead institution (confirms it)",
    "supporting_institutions": "supporting institutions and actors",
    "starts_on": "start date, YYYY-MM-DD (empty: none)",
    "ends_on": "end date, YYYY-MM-DD (empty: none)",
    "answer": "the reasoned answer for the group: told to every author and supporter (empty: the default)",
}
"""``edit`` flags: ``--status-quo`` sets ``status_quo``…; ``--lead``, ``--start`` and ``--end`` are short for
``--lead-institution``, ``--starts-on`` and ``--ends-on``."""


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    top = commands.add_parser(
        "commitments", help="draft commitments from proposals, merge, split, undo, milestones, progress, export"
    )
    actions = top.add_subparsers(dest="commitments_command", required=True, metavar="ACTION")
    drafting = actions.add_parser(
        "draft", help="draft a commitment from proposals (merges them; their people are told) and print its code"
    )
    drafting.add_argument("--from", dest="codes", required=True, metavar="CODES", help="UIO-0007,UIO-0031,…")
    drafting.add_argument("--title", required=True)
    drafting.add_argument("--answer", help="the reasoned answer for the group (default: a text naming the commitment)")
    adding = actions.add_parser("add", help="merge more proposals into a commitment")
    adding.add_argument("code", metavar="CODE")
    adding.add_argument("--from", dest="codes", required=True, metavar="CODES")
    actions.add_parser("list", help="the consultation's commitments")
    show = actions.add_parser("show", help="a commitment's template, proposals, milestones and progress")
    show.add_argument("code", metavar="CODE")
    show.add_argument("--lang", default="es", help="language of the labels (default es)")
    undo = actions.add_parser("undo", help="undo a merge: the proposals get their status back, their people are told")
    undo.add_argument("code", metavar="CODE")
    undo.add_argument("--proposal", action="append", metavar="CODES", help="only these proposals (default: all)")
    splitting = actions.add_parser("split", help="link a proposal that covers two topics to a further commitment")
    splitting.add_argument("proposal", metavar="PROPOSAL")
    splitting.add_argument("--into", required=True, metavar="CODE")
    edit = actions.add_parser("edit", help="change a commitment's template fields or its answer")
    edit.add_argument("code", metavar="CODE")
    for name, help_text in EDIT_FLAGS.items():
        flags = ["--" + name.replace("_", "-")]
        flags += {"lead_institution": ["--lead"], "starts_on": ["--start"], "ends_on": ["--end"]}.get(name, [])
        edit.add_argument(*flags, dest=name, help=help_text)
    edit.add_argument("--confirm-lead", action="store_true", help="confirm the lead institution citizens suggested")
    milestone = actions.add_parser("milestone", help="milestones of a commitment")
    milestone_actions = milestone.add_subparsers(dest="milestone_command", required=True, metavar="ACTION")
    adding_milestone = milestone_actions.add_parser("add", help="add a dated milestone and print its number")
    adding_milestone.add_argument("code", metavar="CODE")
    adding_milestone.add_argument("--title", required=True)
    adding_milestone.add_argument("--due", metavar="YYYY-MM-DD")
    progress = actions.add_parser("progress", help="record progress: every linked author and supporter is told")
    progress.add_argument("code", metavar="CODE")
    progress.add_argument("--milestone", type=int, metavar="N", help="the milestone it is about")
    progress.add_argument("--done", action="store_true", help="the milestone is done")
    progress.add_argument("--note", default="", help="what happened, as citizens will read it")
    export = actions.add_parser("export", help="the commitments in the OGP template: csv, xlsx, json, docx or md")
    export.add_argument("--format", default="csv", choices=FORMATS, help="file format (default csv)")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--lang", default="es", help="language of the labels (default es)")
