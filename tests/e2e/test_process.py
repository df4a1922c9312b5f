"""`cocrea` as an operator runs it: a real process, a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.seed import many_authors

ROOT = Path(__file__).resolve().parents[2]
OPEN_CONSULTATION = """\
names.es = "Consulta de prueba"
names.en = "Test consultation"
code_prefix = "TST"
opens = 2020-01-01T00:00:00-05:00
closes = 2099-12-31T23:59:59-05:00
languages = ["es", "en"]
zone_question.es = "Zona"
zone_question.en = "Zone"

[[axes]]
id = "1"
labels.es = "Movilidad"
labels.en = "Mobility"

[[pillars]]
id = "transparency"
labels.es = "Transparencia"
labels.en = "Transparency"

[controller]
name = "Municipio de Prueba"
contact = "datos@prueba.gob.ec"
"""


def cocrea(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    consultation = tmp_path / "consulta.toml"
    consultation.write_text(OPEN_CONSULTATION, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COCREA_")}
    environment.update(
        {
            "COCREA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cocrea.db'}",
            "COCREA_CONSULTATION": str(consultation),
            "COCREA_LOG_LEVEL": "WARNING",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = cocrea(tmp_path, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "COCREA_BOT_TOKEN" in lines[0] and "cocrea chat" in lines[0]


def test_a_reader_that_stops_early_gets_one_line_not_a_traceback(tmp_path: Path) -> None:
    asyncio.run(many_authors(f"sqlite+aiosqlite:///{tmp_path / 'cocrea.db'}", 3000))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COCREA_")}
    environment.update(
        {"COCREA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cocrea.db'}", "COCREA_LOG_LEVEL": "WARNING"}
    )
    export = subprocess.Popen(
        [sys.executable, "-m", "bot", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment,
    )
    assert export.stdout is not None and export.stderr is not None
    assert export.stdout.readline().startswith(b"\xef\xbb\xbfcode,submitted_at")  # like `| head -1`
    export.stdout.close()
    with export.stderr:
        errors = export.stderr.read().decode()
    assert export.wait(60) == 2
    assert errors == "cocrea: the output was closed before everything was written (broken pipe)\n"


def test_a_malformed_consultation_names_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "rota.toml"
    broken.write_text(OPEN_CONSULTATION.replace('code_prefix = "TST"', "code_prefix = TST"), encoding="utf-8")
    result = cocrea(tmp_path, "chat", COCREA_CONSULTATION=str(broken))
    assert result.returncode == 2
    assert "rota.toml" in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_practice_in_the_terminal_never_reaches_the_live_database_and_live_does(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "/start",  # a terminal in Spanish (LANG): the notice at once
                "1",  # Acepto
                "3",
                "1",
                "6",  # sector: skip is last; 3 = academia, zone (none: skipped), age: skip
                "1",
                "1",  # axis, pillar
                "Las paradas de bus no tienen horarios publicados.",
                "Publicar los horarios en cada parada y en línea.",
                "Menos espera para todos.",  # then the review
                "7",  # Enviar propuesta (after the six edit buttons)
                "/mine",
            ]
        )
        + "\n"
    )
    spanish = {"LANG": "es_EC.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    practice = cocrea(tmp_path, "chat", stdin=script, **spanish)
    assert practice.returncode == 0, practice.stderr
    assert "Practice mode" in practice.stdout and "TST-0001" in practice.stdout
    assert (tmp_path / "data" / "practice.db").is_file()
    nothing = cocrea(tmp_path, "export")
    assert nothing.returncode == 2 and nothing.stderr.startswith("cocrea: no database at "), "the live one is untouched"

    chat = cocrea(tmp_path, "chat", "--live", stdin=script, **spanish)
    assert chat.returncode == 0, chat.stderr
    assert "Practice mode" not in chat.stdout and "TST-0001" in chat.stdout
    exported = cocrea(tmp_path, "export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("code,submitted_at,consultation,axis_id,axis")
    assert lines[1].startswith("TST-0001,") and "Las paradas de bus" in lines[1]
