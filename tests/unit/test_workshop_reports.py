"""Staff filter exports and statistics by source and workshop, in the bot and on the server, and write the
plenary summary of a workshop."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document

from bot.cli.main import main
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWork
from tests.driver import Citizen
from tests.seed import proposal, workshop, workshop_proposal
from tests.unit.test_staff_commands import exported
from tests.unit.workshop_story import make_staff

Run = Callable[..., tuple[int, str, str]]


async def both_sources(database: Database) -> None:
    calderon = await workshop(database)
    await proposal(database, "UIO-0001")
    await workshop_proposal(database, "UIO-0002", calderon, table=1, backers=12, axis_id="4")
    await workshop_proposal(database, "UIO-0003", calderon, table=2, axis_id="1", pillar_id="integrity")
    await workshop_proposal(database, "UIO-0004", calderon, table=1, axis_id="1", backers=None)
    hidden = await workshop_proposal(database, "UIO-0005", calderon, table=1, problem="Un texto que se ocultó.")
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.get(hidden)
        assert found is not None
        found.hidden = True
        await uow.commit()


def text_of(path: str) -> str:
    return Path(path).read_text(encoding="utf-8-sig")


@pytest.fixture
async def analyst(make_citizen: Callable[..., Citizen], database: Database) -> Citizen:
    await make_staff(database, "900", "analyst")
    return make_citizen(user_id="900", language_code="en")


async def test_the_bots_export_and_stats_take_source_and_workshop(analyst: Citizen, database: Database) -> None:
    await both_sources(database)
    reply = await exported(analyst, "/export source=workshop workshop=W1 axis=4")
    assert reply.document_path is not None
    rows = list(csv.DictReader(io.StringIO(text_of(reply.document_path))))
    assert [(r["code"], r["source"], r["workshop_id"], r["table"], r["backers"]) for r in rows] == [
        ("UIO-0002", "workshop", "W1", "1", "12"),
        ("UIO-0005", "workshop", "W1", "1", "8"),
    ]
    await analyst.send("/stats source=chat,workshop")
    assert "Proposals: 5 (Chat 1 · Workshops 4)" in analyst.last.text
    [refused] = await analyst.send("/stats workshop=W4")
    assert refused.text.startswith("There is no workshop W4.\n\nUsage: /stats")
    [refused] = await analyst.send("/export source=web")
    assert refused.text.startswith("Unknown source web. Sources: chat, workshop.\n\nUsage: /export")


# --- on the server --------------------------------------------------------------------------------


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cocrea.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("COCREA_CONSULTATION", raising=False)

    async def seed() -> None:
        database = open_database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await both_sources(database)
        await database.dispose()

    asyncio.run(seed())
    return path


@pytest.fixture
def run(database_file: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


def test_export_and_stats_on_the_server_take_source_and_workshop(run: Run) -> None:
    code, out, _ = run("export", "--source", "chat")
    assert code == 0 and [row["code"] for row in csv.DictReader(io.StringIO(out.lstrip("\ufeff")))] == ["UIO-0001"]
    code, out, _ = run("export", "--workshop", "W1", "--public", "--format", "json")
    assert code == 0 and out.count('"source": "workshop"') == 3, "hidden proposals stay out of public exports"
    code, out, _ = run("stats", "--lang", "en")
    assert "Proposals: 5 (Chat 1 · Workshops 4)" in out and "  Calderón: 4 (0 · 4)" in out
    assert run("export", "--workshop", "W2")[2] == "cocrea: There is no workshop W2.\n"
    assert run("stats", "--source", "paper")[0] == 2


def test_the_plenary_summary_as_a_word_document(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "resumen.docx"
    code, _, err = run("workshops", "summary", "W1", "--output", str(path))
    assert code == 0 and err == f"cocrea: 3 proposals of W1 written to {path}\n"

    document = Document(str(path))
    styled = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
    outline = [(style, text) for style, text in styled if style.startswith(("Title", "Heading"))]
    assert outline == [
        ("Title", "Resumen para la plenaria: Taller Calderón"),
        ("Heading 1", "Mesa 1"),
        ("Heading 2", "Hábitat, Seguridad y Convivencia Ciudadana"),
        ("Heading 2", "Movilidad Sostenible"),
        ("Heading 1", "Mesa 2"),
        ("Heading 2", "Hábitat, Seguridad y Convivencia Ciudadana"),
        ("Heading 1", "Mesa 3"),
    ], "per table, its proposals grouped by axis in the consultation's order"
    text = [p.text for p in document.paragraphs]
    assert text[1] == "W1 · 21 nov 2026 · Calderón · 3 propuestas"
    bullets = [text for style, text in styled if style == "List Bullet"]
    assert [b.split(" — ")[0] for b in bullets] == ["UIO-0004", "UIO-0002", "UIO-0003"]
    assert all(b.endswith("Faltan luminarias en las paradas del barrio desde hace dos años.") for b in bullets)
    assert "UIO-0005" not in "\n".join(text), "a proposal moderators hid is not read in the plenary"
    assert any("La respaldan 12 personas de la mesa." in line for line in text)
    assert "Esta mesa aún no tiene propuestas." in text, "table 3 says it has nothing yet"
    assert "workshop.summary W1" in run("audit")[1]


def test_the_plenary_summary_in_markdown(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert run("workshops", "summary", "w1", "--output", str(path), "--lang", "en")[0] == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Plenary summary: Taller Calderón"
    assert "## Table 1" in lines and "### Sustainable Mobility" in lines
    assert "- **UIO-0002** — Faltan luminarias en las paradas del barrio desde hace dos años." in lines
    assert "  - Proposal: Instalar luminarias solares en cada parada." in lines
    assert "  - Backed by 12 people at the table." in lines


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["W1", "--output", "resumen.pdf"], "cocrea: the summary is written as FILE.docx or FILE.md"),
        (["W8", "--output", "resumen.md"], "cocrea: There is no workshop W8."),
    ],
)
def test_a_bad_summary_request_is_refused(run: Run, argv: list[str], error: str) -> None:
    code, _, err = run("workshops", "summary", *argv)
    assert code == 2 and err.startswith(error)
    assert not Path("resumen.md").exists()
