"""What a parsed ``cocrea`` command does: build the app, run the command, and turn every operator mistake
into one ``cocrea:`` line. Imported only once the arguments are parsed (``--help`` never pays for it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.app import App, build_app, configure_logging
from bot.cli.errors import CliError
from bot.outbox.sending import CredentialsRefused
from bot.serving import ChannelRunner, serve, stop_on_signals
from bot.settings import Settings, SettingsError, load_settings
from bot.telegram.frameworks import FRAMEWORKS, make_runner
from config.consultation import ConsultationError
from handlers.staff.requests import RequestError
from storage.database import UnknownRevision, current_revision, downgrade, open_database, upgrade
from storage.errors import unavailable

log = logging.getLogger("cocrea")


def run_command(args: argparse.Namespace) -> int:
    """The exit status of the command ``args`` names."""
    try:
        return asyncio.run(_dispatch(args))
    except (SettingsError, ConsultationError, RequestError, CliError, CredentialsRefused) as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()  # the reader (`| head`) went away: say so once, and nothing more to a closed pipe
        return _fail("the output was closed before everything was written (broken pipe)")
    except Exception as error:
        problem = unavailable(error)
        if problem is None:
            raise
        return _fail(f"cannot use the database (COCREA_DATABASE_URL): {problem}")


def _fail(message: str) -> int:
    print(f"cocrea: {message}", file=sys.stderr)
    return 2


def _quiet_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


async def _dispatch(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.command == "db":
        return await _db(args, settings.database_url)
    if args.command == "run" and args.framework not in FRAMEWORKS:
        raise SettingsError(f"unknown --framework {args.framework!r}: choose aiogram or ptb.")
    if args.command == "run":
        settings.require_channel()
    if args.command == "run" and args.workers > 1:
        return await _run_workers(settings, args.framework, args.workers)
    if args.command == "chat":
        settings = practice(settings) if not args.live else settings
    elif args.command in NEEDS_DATA:
        require_database(settings)
    app = await build_app(settings)
    try:
        if args.command == "run":
            return await _run(app, args.framework, reuse_port=args.worker)
        if args.command == "chat":
            from bot.terminal import TerminalChat, terminal_language

            language = terminal_language(os.environ)
            await TerminalChat(app, user_id=args.user, practice=not args.live, language=language).run()
            return 0
        return await app_command(args.command)(app, args)
    finally:
        await app.close()


async def _run(app: App, framework: str, *, reuse_port: bool = False) -> int:
    """Every configured channel in this process, until SIGINT or SIGTERM."""
    log.info("database: %s", app.database.describe())
    if app.services.moderators is None:
        log.warning(
            "no moderators' group (COCREA_MODERATORS_CHAT_ID): new proposals and /ask questions wait "
            "for staff in `cocrea questions` and the exports"
        )
    runners: list[ChannelRunner] = []
    if app.settings.bot_token:
        runners.append(make_runner(framework, app))
    if app.settings.whatsapp.enabled:
        from bot.whatsapp.runner import WhatsAppRunner

        runners.append(WhatsAppRunner(app))
    stop = asyncio.Event()
    stop_on_signals(stop)
    await serve(app, runners, stop, reuse_port=reuse_port)
    return 0


async def _run_workers(settings: Settings, framework: str, workers: int) -> int:
    """``--workers N``: the schema brought up to date once, then N worker processes (bot/workers.py)."""
    from bot.workers import supervise, worker_command

    if settings.sqlite_path is not None:
        raise CliError(
            "--workers needs PostgreSQL (COCREA_DATABASE_URL): SQLite takes one writing process; run without it"
        )
    if settings.bot_token and not settings.webhook_url:
        raise CliError("--workers needs Telegram's webhook (COCREA_WEBHOOK_URL): long polling admits one process")
    app = await build_app(settings)  # checks the consultation and migrates once, before any worker starts
    await app.close()
    stop = asyncio.Event()
    stop_on_signals(stop)
    return await supervise(worker_command(framework), workers, stop)


APP_COMMANDS: dict[str, tuple[str, str]] = {
    "export": ("bot.cli.reports", "export_command"),
    "stats": ("bot.cli.reports", "stats_command"),
    "clusters": ("bot.cli.clusters", "clusters_command"),
    "staff": ("bot.cli.staff", "staff_command"),
    "audit": ("bot.cli.staff", "audit_command"),
    "answers": ("bot.cli.moderation", "import_command"),
    "outbox": ("bot.cli.moderation", "outbox_command"),
    "history": ("bot.cli.moderation", "history_command"),
    "questions": ("bot.cli.moderation", "questions_command"),
    "workshops": ("bot.cli.workshops", "workshops_command"),
    "web": ("bot.cli.web", "web_command"),
    "commitments": ("bot.cli.commitments", "commitments_command"),
}
"""Each command's module and function: only the module of the command that runs is imported (a
spreadsheet library for ``workshops``, the web server for ``web``), so ``cocrea run`` starts sooner."""


def app_command(name: str) -> Callable[[App, argparse.Namespace], Awaitable[int]]:
    module, function = APP_COMMANDS[name]
    command: Callable[[App, argparse.Namespace], Awaitable[int]] = getattr(importlib.import_module(module), function)
    return command


NEEDS_DATA = frozenset(APP_COMMANDS)
"""Commands that only read or change existing data: on a database that does not exist they refuse."""


def require_database(settings: Settings) -> None:
    """Refuse, in one line naming the path, to work on a SQLite file that does not exist (and create none)."""
    path = settings.sqlite_path
    if path is not None and not path.is_file():
        raise CliError(
            f"no database at {path} (COCREA_DATABASE_URL): run the bot there first, or point "
            "COCREA_DATABASE_URL at the bot's database"
        )


def practice(settings: Settings) -> Settings:
    """The terminal chat's own database, beside the data folder: practice never reaches the live data."""
    return replace(settings, database_url=f"sqlite+aiosqlite:///{(settings.data_dir / 'practice.db').resolve()}")


async def _db(args: argparse.Namespace, url: str) -> int:
    database = open_database(url)
    try:
        if args.db_command == "upgrade":
            await upgrade(database)
        elif args.db_command == "downgrade":
            await downgrade(database, args.revision)
        print(f"schema revision: {await current_revision(database) or 'none'}")
        return 0
    except UnknownRevision as error:
        raise CliError(str(error)) from None
    finally:
        await database.dispose()
