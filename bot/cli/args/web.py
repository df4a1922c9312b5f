"""The `cocrea web` arguments."""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(commands: Any) -> None:
    web = commands.add_parser("web", help="serve the public site and the staff desk (COCREA_WEB_HOST/PORT)")
    actions = web.add_subparsers(dest="web_command", metavar="ACTION")
    link = actions.add_parser("link", help="print a one-time sign-in link to the desk for a staff member")
    link.add_argument("user_id", metavar="TELEGRAM-USER-ID")
    link.add_argument("--channel", default="telegram", help=argparse.SUPPRESS)
