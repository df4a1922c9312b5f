"""``cocrea``: run the bot, chat in the terminal, export and count proposals, manage staff and the database.

This module only parses arguments (and answers ``--help``) with light imports; the command itself runs
in ``bot.cli.dispatch``, imported once the arguments are known."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from bot.cli.args import clusters, commitments, moderation, reports, staff, web, workshops


class Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"cocrea: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="cocrea", description="Citizen proposals for Open Government action plans.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="serve every configured channel: Telegram, WhatsApp or both")
    run.add_argument("--framework", default="aiogram", help="the Telegram library: aiogram (default) or ptb")
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="N processes sharing the webhook port, one restarted when it dies (PostgreSQL, webhook mode)",
    )
    run.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # one of --workers N
    chat = commands.add_parser("chat", help="the citizen conversation in this terminal (a practice database)")
    chat.add_argument("--user", default="1", help="the terminal user's id (default 1)")
    chat.add_argument("--live", action="store_true", help="use the live database instead of the practice one")
    reports.add_parsers(commands)
    clusters.add_parsers(commands)
    staff.add_parsers(commands)
    moderation.add_parsers(commands)
    workshops.add_parsers(commands)
    web.add_parsers(commands)
    commitments.add_parsers(commands)
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all migrations")
    down = db_commands.add_parser("downgrade", help="undo migrations down to REVISION")
    down.add_argument("revision")
    db_commands.add_parser("current", help="show the schema revision")
    return top


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from bot.cli.dispatch import run_command  # the app's libraries load only for a command that runs

    return run_command(args)
