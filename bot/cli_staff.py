"""``cocrea staff add|remove|list`` and ``cocrea audit``: who may use the staff commands, and what they did."""

from __future__ import annotations

import argparse
import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.cli_reports import cli_actor
from handlers.exports import RequestError
from storage.models import AuditEntry
from storage.staff import ROLES


def add_staff_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    staff = commands.add_parser("staff", help="staff roles: who may use /export and /stats in the bot")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a staff member, or change their role")
    add.add_argument("user_id", metavar="TELEGRAM-USER-ID")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--channel", default="telegram", help=argparse.SUPPRESS)
    remove = actions.add_parser("remove", help="remove a staff member")
    remove.add_argument("user_id", metavar="TELEGRAM-USER-ID")
    remove.add_argument("--channel", default="telegram", help=argparse.SUPPRESS)
    actions.add_parser("list", help="list staff members")
    audit = commands.add_parser("audit", help="the audit log: exports, statistics, staff changes")
    audit.add_argument("--limit", type=int, default=50, help="how many of the latest entries (default 50)")


def _user_id(value: str) -> str:
    if not value.isdigit() or len(value) > 20:
        raise RequestError("a Telegram user id is a number, got {value}", value=value[:40])
    return value


async def staff_command(app: App, args: argparse.Namespace) -> int:
    if args.staff_command == "list":
        return await _list(app)
    user_id = _user_id(args.user_id)
    target = f"{args.channel}:{user_id}"
    async with app.uow() as uow:
        if args.staff_command == "add":
            await uow.staff.put(args.channel, user_id, args.role, added_by=cli_actor())
            await uow.audit.record(cli_actor(), "staff.add", target, role=args.role)
            message = f"{target} is now {args.role}"
        elif not await uow.staff.remove(args.channel, user_id):
            raise RequestError("{target} is not on the staff", target=target)
        else:
            await uow.audit.record(cli_actor(), "staff.remove", target)
            message = f"{target} removed from the staff"
        await uow.commit()
    print(f"cocrea: {message}")
    return 0


async def _list(app: App) -> int:
    zone = ZoneInfo(app.consultation.timezone)
    async with app.uow() as uow:
        members = await uow.staff.all()
    if not members:
        print("no staff members yet: cocrea staff add TELEGRAM-USER-ID --role analyst")
    for member in members:
        added = member.added_at.astimezone(zone).isoformat(timespec="minutes")
        print(f"{member.channel}:{member.external_id:<14} {member.role:<10} added {added} by {member.added_by}")
    return 0


async def audit_command(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        entries = await uow.audit.latest(max(1, args.limit))
    zone = ZoneInfo(app.consultation.timezone)
    for entry in reversed(entries):
        print(audit_line(entry, zone))
    return 0


def audit_line(entry: AuditEntry, zone: ZoneInfo) -> str:
    at = entry.at.astimezone(zone).isoformat(timespec="seconds")
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
    return f"{at}  {entry.actor:<22} {entry.action:<13} {entry.target or '-'}  {detail}"
