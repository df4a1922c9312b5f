"""The `cocrea moderation` arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_parsers(commands: Any) -> None:
    answers = commands.add_parser("answers", help="import status changes and reasoned answers from a CSV file")
    actions = answers.add_subparsers(dest="answers_command", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help="apply a code,status,answer CSV (rejected rows are reported)")
    importing.add_argument("file", type=Path)
    history = commands.add_parser("history", help="export every status change (code, status, reason, actor, when)")
    history.add_argument("--output", type=Path, help="CSV file to write (default: standard output)")
    questions = commands.add_parser("questions", help="citizens' /ask questions waiting for an answer")
    question_actions = questions.add_subparsers(dest="questions_command", metavar="ACTION")
    answer = question_actions.add_parser("answer", help="answer question ID (the citizen gets it in the bot)")
    answer.add_argument("question_id", type=int, metavar="ID")
    answer.add_argument("text", help="the answer, in quotes")
    outbox = commands.add_parser(
        "outbox", help="messages owed to people per channel: pending, waiting, sent, delivered, read, failed"
    )
    outbox.add_argument(
        "--list", action="store_true", help="also list the messages being retried, waiting, failed and undeliverable"
    )
