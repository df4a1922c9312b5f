"""Staff apply many reasoned answers at once from a CSV file (code,status,answer)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App, build_app
from bot.cli.moderation import import_file
from bot.settings import load_settings
from handlers.staff.requests import RequestError
from storage.database import Database
from storage.models import OutboxMessage, StatusChange
from tests.conftest import NOW
from tests.driver import Citizen, fixed_clock
from tests.unit.story import proposals, reach_review


@pytest.fixture
async def app(sqlite_url: str, database: Database) -> AsyncIterator[App]:
    settings = load_settings({"COCREA_DATABASE_URL": sqlite_url}, env_file=None)
    built = await build_app(settings, clock=fixed_clock(NOW))
    yield built
    await built.close()


async def three_proposals(make_citizen: Callable[..., Citizen]) -> None:
    for user_id in (601, 602, 603):
        citizen = make_citizen(str(user_id))
        await reach_review(citizen)
        await citizen.press_data("review:send")


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


async def owed_messages(database: Database) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one())


async def test_good_rows_are_applied_and_bad_rows_reported(
    app: App,
    make_citizen: Callable[..., Citizen],
    database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await three_proposals(make_citizen)
    path = csv_file(
        tmp_path,
        (
            "code,status,answer\n"
            'UIO-0001,accepted,"Se incluye en el compromiso 2, con la Secretaría de Movilidad."\n'
            "UIO-0002,in_review,\n"
            "UIO-0099,accepted,No existe\n"
            "UIO-0003,not_adopted,\n"
            "UIO-0003,approved,Estado inventado\n"
            "UIO-0002,in_review,repetida\n"
            ",accepted,sin código\n"
        ),
    )

    exit_code = await import_file(app, path)

    out, err = capsys.readouterr()
    assert exit_code == 1
    assert "applied: 2; unchanged: 0; rejected: 5" in out
    assert "line 4 (UIO-0099): no proposal has the code UIO-0099" in err
    assert "line 5 (UIO-0003): Not adopted needs a reasoned answer" in err
    assert "line 6 (UIO-0003): UIO-0003 already appears on line 5" in err
    assert "line 7 (UIO-0002): UIO-0002 already appears on line 3" in err
    assert "line 8 (-): the code is empty" in err
    statuses = {p.code: (p.status, p.status_reason) for p in await proposals(database)}
    assert statuses == {
        "UIO-0001": ("accepted", "Se incluye en el compromiso 2, con la Secretaría de Movilidad."),
        "UIO-0002": ("in_review", None),
        "UIO-0003": ("received", None),
    }
    assert await owed_messages(database) == 2, "each changed author is owed a notification"


async def test_importing_the_same_file_twice_changes_and_notifies_nothing_more(
    app: App,
    make_citizen: Callable[..., Citizen],
    database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await three_proposals(make_citizen)
    path = csv_file(tmp_path, "code;status;answer\nUIO-0001;merged;Unida con UIO-0002 en el compromiso 1.\n")
    assert await import_file(app, path) == 0
    assert await import_file(app, path) == 0
    assert "applied: 0; unchanged: 1; rejected: 0" in capsys.readouterr().out
    assert await owed_messages(database) == 1
    async with database.sessions() as session:
        history = (await session.execute(select(StatusChange.status))).scalars().all()
    assert sorted(history).count("merged") == 1


async def test_a_file_without_the_columns_is_refused_whole(
    app: App, make_citizen: Callable[..., Citizen], database: Database, tmp_path: Path
) -> None:
    await three_proposals(make_citizen)
    with pytest.raises(RequestError, match="no column status, answer"):
        await import_file(app, csv_file(tmp_path, "code,estado\nUIO-0001,accepted\n"))
    assert {p.status for p in await proposals(database)} == {"received"}


async def test_the_status_history_is_exported_without_staff_identities(
    app: App,
    make_citizen: Callable[..., Citizen],
    database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli.moderation import history_command

    await three_proposals(make_citizen)
    await import_file(
        app, csv_file(tmp_path, "code,status,answer\nUIO-0002,in_review,\nUIO-0002,accepted,Compromiso 4.\n")
    )
    await import_file(app, csv_file(tmp_path, "code,status,answer\nUIO-0002,accepted,Compromiso 4.\n"))
    output = tmp_path / "history.csv"
    assert await history_command(app, argparse.Namespace(output=output)) == 0
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "code,status,reason,actor,changed_at"
    rows_of_two = [line for line in lines if line.startswith("UIO-0002,")]
    assert [row.split(",")[1:4] for row in rows_of_two] == [  # the duplicate row of the first file was refused
        ["received", "", "citizen"],
        ["in_review", "", "cli"],
        ["accepted", "Compromiso 4.", "cli"],
    ]
    assert "staff-" not in output.read_text(encoding="utf-8-sig") and "cli-" not in output.read_text()


async def test_a_preview_reports_every_row_and_changes_nothing(
    app: App, make_citizen: Callable[..., Citizen], database: Database
) -> None:
    from handlers.actors import operator
    from handlers.staff.answers_import import preview_answers, read_answers

    await three_proposals(make_citizen)
    rows = read_answers(
        "\ufeffcode;status;answer\nUIO-0001;accepted;Sí.\nUIO-0001;merged;Otra\nUIO-0002;accepted;\n", "a.csv"
    )
    async with app.uow() as uow:
        report = await preview_answers(uow, operator(), rows)
    assert report.applied == ["UIO-0001"] and report.notified == 0
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "UIO-0001 already appears on line 2"),
        (4, "Accepted needs a reasoned answer for the author"),
    ]
    assert (
        report.rejected[1].explain(app.services.translator("es"))
        == "«Aceptada» requiere una respuesta motivada para el autor"
    )
    assert {p.status for p in await proposals(database)} == {"received"}
    assert await owed_messages(database) == 0
    with pytest.raises(RequestError, match="no column answer"):
        read_answers("code\tstatus\nUIO-0001\taccepted\n", "b.csv")
