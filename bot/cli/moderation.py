"""``cocrea answers import FILE``, ``cocrea history`` and ``cocrea outbox``: what moderators and
operators run on the server."""

from __future__ import annotations

import argparse
import sys
from gettext import ngettext
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.cli.errors import CliError
from bot.telegram.sender import CHANNEL as TELEGRAM
from bot.telegram.sender import LIMITS as TELEGRAM_LIMITS
from bot.whatsapp.render import CHANNEL as WHATSAPP
from bot.whatsapp.render import LIMITS as WHATSAPP_LIMITS
from handlers.actors import operator
from handlers.moderation.actions import Refused, Unreachable, staff_message
from handlers.moderation.questions import NoSuchQuestion, answer_question, open_questions
from handlers.outbox import post
from handlers.staff.answers_import import ImportReport, import_answers, read_answers
from handlers.staff.history import export_history


async def history_command(app: App, args: argparse.Namespace) -> int:
    output: Path | None = args.output
    async with app.uow() as uow:
        if output is None:
            count = await export_history(uow, app.services, operator(), sys.stdout, target="stdout")
        else:
            try:
                handle = output.open("w", encoding="utf-8-sig", newline="")
            except OSError as error:
                raise CliError(f"cannot write {output}: {error.strerror or error}") from None
            with handle:
                count = await export_history(uow, app.services, operator(), handle, target=str(output))
        await uow.commit()
    print(f"cocrea: exported {count} status {ngettext('change', 'changes', count)}", file=sys.stderr)
    return 0


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {path}: {error}") from error
    return read_answers(text, str(path))


async def import_command(app: App, args: argparse.Namespace) -> int:
    return await import_file(app, args.file)


async def import_file(app: App, path: Path) -> int:
    report = await import_answers(app.services, operator(), read_rows(path), path.name)
    print_report(report)
    return 1 if report.rejected else 0


def print_report(report: ImportReport) -> None:
    print(f"applied: {len(report.applied)}; unchanged: {len(report.unchanged)}; rejected: {len(report.rejected)}")
    print(f"authors to notify: {report.notified} (the running bot sends them from its outbox)")
    for rejection in report.rejected:
        print(f"  line {rejection.line} ({rejection.code or '-'}): {rejection.reason}", file=sys.stderr)


async def questions_command(app: App, args: argparse.Namespace) -> int:
    if args.questions_command == "answer":
        async with app.uow() as uow:
            try:
                text = staff_message(args.text, app.services.translator("en"))
                await post(uow, [await answer_question(uow, app.services, operator(), args.question_id, text)])
            except (NoSuchQuestion, Unreachable):
                raise CliError(f"There is no open question {args.question_id}.") from None
            except Refused as refused:
                raise CliError(str(refused)) from None
            await uow.commit()
        print(f"cocrea: answer to question {args.question_id} queued for the citizen")
        return 0
    async with app.uow.reading() as uow:
        questions = await open_questions(uow, app.services)
    if not questions:
        print("no open questions")
    zone = ZoneInfo(app.consultation.timezone)
    for question in questions:
        asked = question.asked_at.astimezone(zone).date().isoformat()
        left = f"{question.days_left} days left" if question.days_left >= 0 else f"{-question.days_left} days late"
        codes = ", ".join(question.codes) or "no proposal"
        print(f"#{question.id}  asked {asked}  {left}  {question.pseudonym} ({codes}): {question.text}")
    return 0


OUTBOX_COLUMNS = ("pending", "retrying", "waiting", "sent", "delivered", "read", "failed", "undeliverable")
RECEIPTS = {"sent": ("sent", "delivered", "read"), "delivered": ("delivered", "read"), "read": ("read",)}
"""A read message was delivered and sent too: each column counts the messages that got at least that far."""


async def outbox_command(app: App, args: argparse.Namespace) -> int:
    async with app.uow.reading() as uow:
        counts = await uow.outbox.counts_by_channel()
        rows = await uow.outbox.troubled() if args.list else []
    print(outbox_table(counts))
    for row in rows:
        shown = "retrying" if row.status == "pending" else row.status
        print(f"  #{row.id} {shown} {row.channel} chat {row.chat_id} attempts {row.attempts}: {row.last_error or ''}")
    return 0


def outbox_table(counts: dict[str, dict[str, int]]) -> str:
    """Per channel, what the outbox holds. Sent, delivered and read are counted where the channel
    reports them (WhatsApp, the last 30 days); elsewhere ``-`` (Telegram reports nothing once accepted)."""
    receipts = {TELEGRAM: TELEGRAM_LIMITS.receipts, WHATSAPP: WHATSAPP_LIMITS.receipts}
    lines = [f"{'channel':<10}" + "".join(f"{column:>14}" for column in OUTBOX_COLUMNS)]
    for channel in sorted({TELEGRAM, WHATSAPP, *counts}):
        held = counts.get(channel, {})
        cells = []
        for column in OUTBOX_COLUMNS:
            if column in RECEIPTS and not receipts.get(channel, False):
                cells.append("-")
            else:
                cells.append(str(sum(held.get(status, 0) for status in RECEIPTS.get(column, (column,)))))
        lines.append(f"{channel:<10}" + "".join(f"{cell:>14}" for cell in cells))
    return "\n".join(lines)
