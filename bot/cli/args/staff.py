"""The `cocrea staff` arguments."""

from __future__ import annotations

import argparse
from typing import Any

from storage.roles import ROLES


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    staff = commands.add_parser(
        "staff", help="staff roles: who may use /export and /stats, moderate, or enter workshop proposals (/taller)"
    )
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a staff member, or change their role")
    add.add_argument("user_id", metavar="TELEGRAM-USER-ID")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--channel", default="telegram", help=argparse.SUPPRESS)
    remove = actions.add_parser("remove", help="remove a staff member")
    remove.add_argument("user_id", metavar="TELEGRAM-USER-ID")
    remove.add_argument("--channel", default="telegram", help=argparse.SUPPRESS)
    actions.add_parser("list", help="list staff members")
    invite = actions.add_parser("invite", help="a one-time link (48 hours) that gives a role to whoever opens it")
    invite.add_argument("--role", required=True, choices=ROLES)
    audit = commands.add_parser("audit", help="the audit log: exports, statistics, staff changes")
    audit.add_argument("--limit", type=int, default=50, help="how many of the latest entries (default 50)")
