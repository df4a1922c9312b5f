"""The `cocrea clusters` arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.args.reports import add_filter_arguments
from handlers.consolidation.commitment_formats import CLUSTER_FORMATS


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    clusters = commands.add_parser(
        "clusters",
        help="near-duplicate groups of published proposals: one row per proposal, largest groups first",
    )
    clusters.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="similarity (above 0, at most 1) from which two proposals are near duplicates (default: the shipped one)",
    )
    clusters.add_argument("--format", default="csv", choices=CLUSTER_FORMATS, help="file format (default csv)")
    clusters.add_argument("--output", type=Path, help="file to write (default: standard output)")
    add_filter_arguments(clusters)
