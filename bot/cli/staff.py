"""``cocrea staff add|remove|list`` and ``cocrea audit``: who may use the staff commands, and what they did."""

from __future__ import annotations

import argparse
import json
from zoneinfo import ZoneInfo

from bot.app import App
from bot.cli.errors import CliError
from bot.telegram.identity import bot_username
from handlers.actors import operator
from handlers.staff.invitations import invite
from handlers.staff.members import add_staff, list_staff, remove_staff
from storage.models import AuditEntry


async def staff_command(app: App, args: argparse.Namespace) -> int:
    if args.staff_command == "list":
        return await _list(app)
    if args.staff_command == "invite":
        return await _invite(app, args.role)
    target = f"{args.channel}:{args.user_id}"
    async with app.uow() as uow:
        if args.staff_command == "add":
            member = await add_staff(uow, operator(), args.channel, args.user_id, args.role)
            message = f"{target} is now {member.role} (staff-{member.id})"
        else:
            await remove_staff(uow, operator(), args.channel, args.user_id)
            message = f"{target} removed from the staff"
        await uow.commit()
    print(f"cocrea: {message}")
    return 0


async def _invite(app: App, role: str) -> int:
    async with app.uow() as uow:
        invitation = await invite(uow, app.services, operator(), role)
        await uow.commit()
    until = invitation.expires_at.astimezone(ZoneInfo(app.consultation.timezone)).isoformat(timespec="minutes")
    username = await bot_username(app.settings)
    if username:
        print(f"https://t.me/{username}?start={invitation.code}")
    print(f"code: {invitation.code} (role {role}, valid once, until {until})")
    print(f"the person opens the link, or sends /staff {invitation.code} to the bot")
    return 0


async def _list(app: App) -> int:
    zone = ZoneInfo(app.consultation.timezone)
    async with app.uow() as uow:
        members = await list_staff(uow)
    if not members:
        print("no staff members yet: cocrea staff add TELEGRAM-USER-ID --role analyst")
    for member in members:
        added = member.added_at.astimezone(zone).isoformat(timespec="minutes")
        print(
            f"staff-{member.id:<4} {member.channel}:{member.external_id:<14} {member.role:<11} "
            f"{member.display_name or '(name not known yet)'}  added {added} by {member.added_by}"
        )
    return 0


async def audit_command(app: App, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError(f"--limit is how many entries to show: at least 1, got {args.limit}")
    async with app.uow.reading() as uow:
        entries = await uow.audit.latest(args.limit)
    zone = ZoneInfo(app.consultation.timezone)
    for entry in reversed(entries):
        print(audit_line(entry, zone))
    return 0


def audit_line(entry: AuditEntry, zone: ZoneInfo) -> str:
    at = entry.at.astimezone(zone).isoformat(timespec="seconds")
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
    return f"{at}  {entry.actor:<22} {entry.action:<13} {entry.target or '-'}  {detail}"
