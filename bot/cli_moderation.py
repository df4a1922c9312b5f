"""``cocrea answers import FILE`` and ``cocrea outbox``: what moderators and operators run on the server."""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App
from bot.settings import SettingsError
from handlers.answers_import import ImportReport, import_answers, missing_columns
from storage.export_history import history_rows, write_history_csv
from storage.uow import UnitOfWork


def add_parsers(commands: Any) -> None:
    answers = commands.add_parser("answers", help="import status changes and reasoned answers from a CSV file")
    actions = answers.add_subparsers(dest="answers_command", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help="apply a code,status,answer CSV (rejected rows are reported)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--actor", default=getpass.getuser(), help="who is importing (for the audit log)")
    history = commands.add_parser("history", help="export every status change (code, status, reason, actor, when)")
    history.add_argument("--output", type=Path, help="CSV file to write (default: standard output)")
    outbox = commands.add_parser("outbox", help="messages owed to people: pending, failed, undeliverable")
    outbox.add_argument("--list", action="store_true", help="also list failed and undeliverable messages")


async def run(app: App, args: argparse.Namespace) -> int:
    if args.command == "answers":
        return await import_file(app, args.file, f"cli:{args.actor}")
    if args.command == "history":
        return await export_history(app, args.output)
    return await show_outbox(app, args.list)


async def export_history(app: App, output: Path | None) -> int:
    rows = history_rows(app.database, app.consultation.timezone)
    if output is None:
        count = await write_history_csv(rows, sys.stdout)
    else:
        with output.open("w", encoding="utf-8-sig", newline="") as handle:
            count = await write_history_csv(rows, handle)
    async with UnitOfWork(app.database) as uow:
        await uow.audit.record(f"cli:{getpass.getuser()}", "export_history", str(output or "stdout"), rows=count)
        await uow.commit()
    print(f"cocrea: exported {count} status changes", file=sys.stderr)
    return 0


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read {path}: {error}") from error
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    missing = missing_columns(reader.fieldnames or [])
    if missing:
        raise SettingsError(f"{path} has no column {', '.join(missing)} (expected: code,status,answer)")
    return [(number, row) for number, row in enumerate(reader, start=2)]


async def import_file(app: App, path: Path, actor: str) -> int:
    rows = read_rows(path)
    async with UnitOfWork(app.database) as uow:
        report = await import_answers(uow, app.catalogs, rows, actor, datetime.now(UTC), app.consultation.timezone)
        for notice in report.notices:
            await uow.outbox.put("telegram", notice.chat_id, notice.to_json())
        await uow.audit.record(actor, "import_answers", str(path.name), applied=len(report.applied),
                               rejected=len(report.rejected))
        await uow.commit()
    print_report(report)
    return 1 if report.rejected else 0


def print_report(report: ImportReport) -> None:
    print(f"applied: {len(report.applied)}; unchanged: {len(report.unchanged)}; rejected: {len(report.rejected)}")
    print(f"authors to notify: {len(report.notices)} (the running bot sends them from its outbox)")
    for rejection in report.rejected:
        print(f"  line {rejection.line} ({rejection.code or '-'}): {rejection.reason}", file=sys.stderr)


async def show_outbox(app: App, listing: bool) -> int:
    async with UnitOfWork(app.database) as uow:
        counts = await uow.outbox.counts()
        rows = await uow.outbox.listing(("failed", "undeliverable")) if listing else []
    for status in ("pending", "failed", "undeliverable"):
        print(f"{status:>13}: {counts.get(status, 0)}")
    for row in rows:
        print(f"  #{row.id} {row.status} chat {row.chat_id} attempts {row.attempts}: {row.last_error or ''}")
    return 0
