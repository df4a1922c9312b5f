"""`cocrea --help` answers at once: parsing the arguments loads none of the app's heavy libraries."""

from __future__ import annotations

import argparse
import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "alembic",
    "aiogram",
    "telegram",
    "openpyxl",
    "xlsxwriter",
    "numpy",
    "matplotlib",
    "starlette",
    "aiohttp",
)

LOADED = """
import sys
from bot.cli.main import parser
parser().parse_args(["export", "--format", "csv"])
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_parsing_a_command_loads_no_heavy_library() -> None:
    loaded = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, check=True).stdout.split()
    assert "bot" in loaded, "the parser itself was imported"
    assert [name for name in HEAVY if name in loaded] == []


def test_help_lists_every_command() -> None:
    shown = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("run", "chat", "export", "stats", "staff", "answers", "questions", "workshops", "web", "db"):
        assert f"    {command}" in shown


def test_every_command_names_a_function_that_exists() -> None:
    from bot.cli.dispatch import APP_COMMANDS, app_command
    from bot.cli.main import parser

    [commands] = [action for action in parser()._actions if isinstance(action, argparse._SubParsersAction)]
    assert set(APP_COMMANDS) == set(commands.choices) - {"run", "chat", "db"}
    for name in APP_COMMANDS:
        assert callable(app_command(name))
