"""``cocrea``: run the bot, chat in the terminal, export and count proposals, manage staff and the database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from sqlalchemy.exc import OperationalError

from bot import cli_moderation
from bot.app import App, build_app, configure_logging
from bot.cli_reports import add_export_parser, export_command, stats_command
from bot.cli_staff import add_staff_parsers, audit_command, staff_command
from bot.runners import FRAMEWORKS, make_runner
from bot.settings import SettingsError, load_settings
from handlers.consultation import ConsultationError
from handlers.exports import RequestError
from storage.database import current_revision, downgrade, open_database, upgrade


class Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"cocrea: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="cocrea", description="Citizen proposals for Open Government action plans.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the Telegram bot (long polling, or webhook if configured)")
    run.add_argument("--framework", default="aiogram", help="aiogram (default) or ptb")
    chat = commands.add_parser("chat", help="the citizen conversation in this terminal")
    chat.add_argument("--user", type=int, default=1, help="the terminal user's id (default 1)")
    add_export_parser(commands)
    add_staff_parsers(commands)
    cli_moderation.add_parsers(commands)
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
    except (SettingsError, ConsultationError, RequestError) as error:
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
        return await APP_COMMANDS[args.command](app, args)
    finally:
        await app.close()


async def _run(app: App, framework: str) -> int:
    runner = make_runner(framework, app)
    if app.settings.webhook_url:
        await runner.run_webhook()
    else:
        await runner.run_polling()
    return 0


APP_COMMANDS: dict[str, Callable[[App, argparse.Namespace], Awaitable[int]]] = {
    "export": export_command,
    "stats": stats_command,
    "staff": staff_command,
    "audit": audit_command,
    "answers": cli_moderation.run,
    "outbox": cli_moderation.run,
    "history": cli_moderation.run,
}


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
