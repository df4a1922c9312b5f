"""Staff use /export and /stats in a private chat with the bot; for anyone else these commands do not exist."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from handlers.engine import Engine
from handlers.messages import Outgoing
from handlers.services import Services
from handlers.staff import export_jobs
from storage.database import Database
from storage.models import AuditEntry, ExportJob, Proposal
from storage.uow import UnitOfWork
from tests.conftest import NOW
from tests.driver import Citizen
from tests.seed import proposal
from tests.unit.story import consent, reach_review

STAFF_COMMANDS = ("/export", "/export csv", "/export xlsx public axis=4", "/stats", "/stats axis=4")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def engine(services: Services, data_dir: Path) -> Engine:
    return Engine(replace(services, data_dir=data_dir))


def file_bytes(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def is_file_under(path: str | Path, folder: Path) -> bool:
    return Path(path).is_file() and folder in Path(path).parents


async def make_staff(database: Database, user_id: int, role: str = "analyst") -> None:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", str(user_id), role, added_by="cli:test")
        await uow.commit()


async def audit(database: Database) -> list[AuditEntry]:
    async with database.sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def exported(staff: Citizen, command: str = "/export") -> Outgoing:
    """``command``, queued by the bot, written by the background worker: the file as it reaches the chat."""
    [queued] = await staff.send(command)
    assert queued.text.startswith("Preparing the export of") and queued.text.endswith("… 0 %")
    assert await export_jobs.run_round(staff.engine.services, wake=lambda: None) == 1
    await staff.delivery.drain_once()
    progress, document = staff.inbox[-2:]
    assert progress.replaces is not None and progress.text.endswith("… 100 %"), "the progress message, edited"
    return document


async def submitted_proposal(citizen: Citizen) -> None:
    await reach_review(citizen)
    await citizen.press_data("review:send")


@pytest.fixture
async def analyst(make_citizen: Callable[..., Citizen], database: Database) -> Citizen:
    await make_staff(database, 900, "analyst")
    return make_citizen(user_id="900", language_code="en")


async def test_a_citizen_who_tries_a_staff_command_hears_it_does_not_exist(
    citizen: Citizen, database: Database, data_dir: Path
) -> None:
    await proposal(database, "UIO-0001")
    unknown = (await citizen.send("/frobnicate"))[0].text
    for command in STAFF_COMMANDS:
        [reply] = await citizen.send(command)
        name = command.split()[0]
        assert reply.text == unknown.replace("/frobnicate", name)
        assert reply.document_path is None and reply.photo_path is None
    assert files_under(data_dir) == [], "no file was written"
    assert [entry.action for entry in await audit(database)] == [], "and nothing was exported"


async def test_staff_commands_stay_out_of_the_citizens_help(citizen: Citizen, analyst: Citizen) -> None:
    await consent(citizen)
    await citizen.send("/help")
    assert "/export" not in citizen.last.text and "/stats" not in citizen.last.text
    await analyst.send("/help")
    assert "/export" in analyst.last.text and "/stats" in analyst.last.text


async def test_an_analyst_gets_the_proposals_as_a_document(
    citizen: Citizen, analyst: Citizen, database: Database, data_dir: Path
) -> None:
    await submitted_proposal(citizen)
    reply = await exported(analyst)
    assert reply.document_path is not None and reply.document_name == "cocrea-quito-2024-20261121-1030.csv"
    assert is_file_under(reply.document_path, data_dir), "kept under the data folder until the outbox sends it"
    text = file_bytes(reply.document_path).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["code"], row["axis"]) for row in rows] == [("UIO-0001", "Sustainable Mobility")]
    assert re.search(rf"\b{citizen.user_id}\b", text) is None, "no chat id (a pseudonym may hold the digits)"
    assert "1 proposals" in reply.text and "personal data" in reply.text
    [entry] = await audit(database)
    assert (entry.actor, entry.action, entry.target) == ("analyst:staff-1", "export", reply.document_name)
    assert entry.detail == {
        "format": "csv",
        "shape": "staff",
        "lang": "en",
        "filters": {"consultation": "quito-2024"},
        "rows": 1,
        "via": "bot",
    }


async def test_export_takes_a_format_and_filters(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    await proposal(database, "UIO-0900", axis_id="1")
    reply = await exported(analyst, "/export xlsx axis=4 status=received lang=es")
    assert reply.document_name is not None and reply.document_name.endswith(".xlsx")
    assert reply.document_path is not None
    sheet = load_workbook(reply.document_path)["proposals"]
    assert [(row[0], row[4]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("UIO-0001", "Movilidad Sostenible")
    ]
    [entry] = await audit(database)
    assert entry.detail["filters"] == {"consultation": "quito-2024", "axis": ["4"], "status": ["received"]}


async def test_a_public_export_from_the_bot_is_anonymised(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    reply = await exported(analyst, "/export json public")
    assert reply.document_path is not None and reply.document_name is not None
    assert reply.document_name.endswith("-public.json")
    [row] = json.loads(file_bytes(reply.document_path))
    assert "participant" not in row and "zone" not in row and "sector" not in row
    assert "anonymised" in reply.text
    [entry] = await audit(database)
    assert entry.detail["shape"] == "public"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("/export pdf", "Unknown format pdf."),
        ("/export axis=99", "Unknown axis 99."),
        ("/export since=yesterday", "yesterday is not a date"),
        ("/export colour=blue", "I don't understand colour=blue."),
        ("/stats xlsx", "I don't understand xlsx."),
    ],
)
async def test_a_mistyped_staff_command_explains_itself(
    analyst: Citizen, database: Database, command: str, problem: str
) -> None:
    [reply] = await analyst.send(command)
    assert reply.text.startswith(problem) and "Usage: /" + command.split()[0][1:] in reply.text
    assert await audit(database) == []


async def test_no_file_when_nothing_matches(analyst: Citizen, database: Database) -> None:
    [reply] = await analyst.send("/export")
    assert reply.text == "No proposals match." and reply.document_path is None


async def test_a_second_export_while_one_is_prepared_is_answered_politely(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    await analyst.send("/export")
    [second] = await analyst.send("/export json")
    assert second.text == "Your previous export is still being prepared: it will arrive here when it is ready."
    assert await export_jobs.run_round(analyst.engine.services, wake=lambda: None) == 1, "one file, the first"
    await analyst.delivery.drain_once()
    assert [m.document_name for m in analyst.inbox if m.document_name] == ["cocrea-quito-2024-20261121-1030.csv"]
    reply = await exported(analyst, "/export json")
    assert reply.document_name == "cocrea-quito-2024-20261121-1030.json", "once the first is sent, a new one"


async def test_an_export_has_no_row_cap(analyst: Citizen, database: Database) -> None:
    async with UnitOfWork(database) as uow:
        for n in range(20_001):  # the bot used to refuse more than 20,000
            uow.session.add(
                Proposal(
                    code=f"UIO-{n + 1:05d}",
                    consultation="quito-2024",
                    axis_id="4",
                    pillar_id="transparency",
                    problem="Los buses del corredor sur no publican horarios en las paradas.",
                    solution="Publicar horarios.",
                    contribution="Menos espera.",
                    language="es",
                    channel="telegram",
                    submitted_at=NOW,
                )
            )
        await uow.commit()
    reply = await exported(analyst)
    assert reply.document_path is not None and "20001 proposals" in reply.text
    assert file_bytes(reply.document_path).count(b"\nUIO-") == 20_001


async def test_an_export_whose_worker_died_is_taken_over_and_sent_once(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    await analyst.send("/export")
    services = analyst.engine.services
    async with services.uow() as uow:  # a worker claims it, then its process dies
        assert await uow.export_jobs.claim(NOW, NOW - export_jobs.STALE_AFTER) is not None
        await uow.commit()
    assert await export_jobs.run_round(services, wake=lambda: None) == 0, "still someone else's"
    later = replace(services, clock=lambda: NOW + export_jobs.STALE_AFTER + timedelta(seconds=1))
    assert await export_jobs.run_round(later, wake=lambda: None) == 1, "taken over once it is stale"
    assert await export_jobs.run_round(later, wake=lambda: None) == 0
    await analyst.delivery.drain_once()
    assert len([m for m in analyst.inbox if m.document_path]) == 1


async def test_a_stopping_worker_leaves_the_export_queued(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    await analyst.send("/export")
    stopping = asyncio.Event()
    stopping.set()
    assert await export_jobs.run_round(analyst.engine.services, lambda: None, stopping) == 0
    [again] = await analyst.send("/export")
    assert again.text.startswith("Your previous export is still being prepared"), "still queued"
    assert await export_jobs.run_round(analyst.engine.services, lambda: None) == 1, "the next worker writes it"


async def test_staff_removed_before_the_file_is_written_get_nothing(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    await analyst.send("/export")
    async with UnitOfWork(database) as uow:
        await uow.staff.remove("telegram", "900")
        await uow.commit()
    assert await export_jobs.run_round(analyst.engine.services, wake=lambda: None) == 0
    await analyst.delivery.drain_once()
    assert [m for m in analyst.inbox if m.document_path] == []
    assert await audit(database) == [], "nothing was exported"


async def test_stats_sends_the_chart_and_the_table(analyst: Citizen, database: Database) -> None:
    await proposal(database, "UIO-0001")
    chart, table = await analyst.send("/stats")
    assert chart.photo_path is not None and file_bytes(chart.photo_path).startswith(b"\x89PNG")
    assert "Proposals: 1" in table.text and "Sustainable Mobility: 1" in table.text
    [entry] = await audit(database)
    assert (entry.action, entry.detail["total"]) == ("stats", 1)


async def test_every_staff_role_may_use_the_commands_until_removed(
    make_citizen: Callable[..., Citizen], database: Database
) -> None:
    for user_id, role in ((901, "admin"), (902, "moderator"), (903, "analyst")):
        await make_staff(database, user_id, role)
        member = make_citizen(user_id=user_id, language_code="en")
        assert (await member.send("/stats"))[0].text == "No proposals match."
    async with UnitOfWork(database) as uow:
        await uow.staff.remove("telegram", "903")
        await uow.commit()
    former = make_citizen(user_id="903", language_code="en")
    assert (await former.send("/stats"))[0].text.startswith("I don't know the command /stats.")


async def test_the_progress_round_running_when_the_file_is_done_ends_before_the_file_is_sent(
    analyst: Citizen, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress message is edited in rounds beside the writing; the last round is never cut in half (a
    transaction cut while the database worked could keep the lock and hold the file back)."""
    for n in range(40):
        await proposal(database, f"UIO-{n + 1:04d}")
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY_SECONDS", 0.0)  # a round all the time
    for _ in range(5):
        [queued] = await analyst.send("/export")
        assert queued.text.endswith("… 0 %")
        await analyst.delivery.drain_once()  # the progress message is sent: rounds can edit it
        assert await asyncio.wait_for(export_jobs.run_round(analyst.engine.services, wake=lambda: None), 30) == 1
        await analyst.delivery.drain_once()
        assert analyst.inbox[-1].document_path is not None and "40 proposals" in analyst.inbox[-1].text
        assert analyst.inbox[-2].text.endswith("… 100 %"), "the last edit says it is whole"
    async with database.sessions() as session:
        states = (await session.execute(select(ExportJob.state))).scalars().all()
    assert states == ["done"] * 5
