"""``cocrea``: run the bot, chat in the terminal, export, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import OperationalError

from bot.app import App, build_app, configure_logging
from bot.exporting import labeler
from bot.runners import FRAMEWORKS, make_runner
from bot.settings import SettingsError, load_settings
from handlers.consultation import ConsultationError
from storage.database import current_revision, downgrade, open_database, upgrade
from storage.export import ExportFilter, proposal_rows, write_csv


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cocrea", description="Citizen proposals for Open Government action plans.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the Telegram bot (long polling, or webhook if configured)")
    run.add_argument("--framework", default="aiogram", help="aiogram (default) or ptb")
    chat = commands.add_parser("chat", help="the citizen conversation in this terminal")
    chat.add_argument("--user", type=int, default=1, help="the terminal user's id (default 1)")
    export = commands.add_parser("export", help="export submitted proposals")
    export.add_argument("--format", default="csv", choices=["csv"], help="file format")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--lang", default="es", help="language of the labels (default es)")
    export.add_argument("--excel", action="store_true", help="use ';' as separator, as Excel in Spanish expects")
    export.add_argument("--status", help="only proposals with this status")
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all migrations")
    down = db_commands.add_parser("downgrade", help="undo migrations down to REVISION")
    down.add_argument("revision")
    db_commands.add_parser("current", help="show the schema revision")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(_dispatch(args))
    except (SettingsError, ConsultationError) as error:
        print(f"cocrea: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(f"cocrea: cannot use the database (COCREA_DATABASE_URL): {error.orig}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.command == "db":
        return await _db(args, settings.database_url)
    if args.command == "run" and args.framework not in FRAMEWORKS:
        raise SettingsError(f"unknown --framework {args.framework!r}: choose aiogram or ptb.")
    if args.command == "run":
        settings.require_token()
    app = await build_app(settings)
    try:
        if args.command == "run":
            return await _run(app, args.framework)
        if args.command == "chat":
            from bot.terminal import TerminalChat

            await TerminalChat(app, user_id=args.user).run()
            return 0
        return await _export(app, args)
    finally:
        await app.close()


async def _run(app: App, framework: str) -> int:
    runner = make_runner(framework, app)
    if app.settings.webhook_url:
        await runner.run_webhook()
    else:
        await runner.run_polling()
    return 0


async def _export(app: App, args: argparse.Namespace) -> int:
    label = labeler(app.consultation, app.catalogs, args.lang)
    rows = proposal_rows(app.database, label, ExportFilter(status=args.status), app.consultation.timezone)
    delimiter = ";" if args.excel else ","
    with _open_output(args.output) as out:
        count = await write_csv(rows, out, delimiter=delimiter)
    print(f"cocrea: exported {count} proposals" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0


@contextlib.contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        sys.stdout.reconfigure(encoding="utf-8-sig", newline="")  # type: ignore[union-attr]
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        yield handle


async def _db(args: argparse.Namespace, url: str) -> int:
    database = open_database(url)
    try:
        if args.db_command == "upgrade":
            await upgrade(database)
        elif args.db_command == "downgrade":
            await downgrade(database, args.revision)
        print(f"schema revision: {await current_revision(database) or 'none'}")
        return 0
    finally:
        await database.dispose()
