"""Staff at the web desk: every action goes through the same use case as the CLI and the bot, notifies
the author through the outbox in their language and is written to the audit log as done from the web."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import select

from handlers.actors import operator
from handlers.messages import Outgoing
from handlers.services import Services
from handlers.staff.exports import export_proposals
from handlers.staff.requests import ExportRequest
from storage.database import Database
from storage.export import ExportFilter
from storage.models import AuditEntry, OutboxMessage, Proposal, ThreadMessage
from tests.driver import Citizen
from tests.seed import participant, proposal
from tests.unit.workshop_story import a_workshop, enter_proposal, make_staff, sit_at_table
from tests.web.conftest import PHOTO, SignIn, reachable_author

REASON = "Se incluye en el compromiso 3 del plan de acción."


async def story(database: Database) -> None:
    """Two proposals by two people; the first one's author can be reached, in English."""
    await proposal(database, "UIO-0001", location=(-0.2298, -78.5249), attachments=["photo-1"], follow_ups=2)
    await proposal(
        database,
        "UIO-0002",
        axis_id="1",
        telegram_id="770002",
        pseudonym="vecina-9b1c",
        problem="Veredas rotas en el barrio.",
    )
    await reachable_author(database, await participant(database), chat_id="770001", language="en")


async def outbox(database: Database) -> list[Outgoing]:
    async with database.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [Outgoing.from_json(row.payload) for row in rows]


async def audit(database: Database) -> list[AuditEntry]:
    async with database.sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def status_of(database: Database, code: str) -> tuple[str, str | None, bool]:
    async with database.sessions() as session:
        found = (await session.execute(select(Proposal).where(Proposal.code == code))).scalar_one()
        return found.status, found.status_reason, found.hidden


async def test_a_moderator_changes_a_status_with_a_reasoned_answer(
    sign_in: SignIn, database: Database, visitor: httpx.AsyncClient
) -> None:
    await story(database)
    desk = await sign_in("moderator")
    page = await desk.get("/desk/proposals/UIO-0001")
    assert (
        "Acciones de moderación" in page.text
        and "Obligatoria para: Aceptada, Integrada a otra, No adoptada" in page.text
    )

    refused = await desk.post("/desk/proposals/UIO-0001/status", {"status": "accepted", "answer": "  "})
    assert refused.status_code == 422 and "requiere una respuesta motivada" in refused.text
    assert await status_of(database, "UIO-0001") == ("received", None, False)
    assert await outbox(database) == []

    done = await desk.post("/desk/proposals/UIO-0001/status", {"status": "accepted", "answer": REASON})
    assert done.status_code == 303 and done.headers["location"] == "/desk/proposals/UIO-0001?done=status"
    assert await status_of(database, "UIO-0001") == ("accepted", REASON, False)
    [notice] = await outbox(database)
    assert notice.to.chat_id == "770001" and notice.to.channel == "telegram"
    assert notice.text.startswith("Update on your proposal UIO-0001: Accepted."), "in the author's language"
    assert REASON in notice.text
    entry = [e for e in await audit(database) if e.action == "change_status"][-1]
    assert entry.actor == f"moderator:staff-{desk.member.id}" and entry.detail == {"status": "accepted", "via": "web"}
    after = await desk.get(done.headers["location"])
    assert "El estado cambió" in after.text and REASON in after.text
    public = await visitor.get("/proposals/UIO-0001")
    assert REASON in public.text and "Aceptada" in public.text


async def test_a_moderator_asks_the_author_and_sees_the_thread(sign_in: SignIn, database: Database) -> None:
    await story(database)
    desk = await sign_in("moderator")
    asked = await desk.post("/desk/proposals/UIO-0001/ask", {"question": "¿En qué paradas exactamente?"})
    assert asked.status_code == 303
    [question] = await outbox(database)
    assert question.to.chat_id == "770001" and "Question from the team about your proposal UIO-0001" in question.text
    page = (await desk.get("/desk/proposals/UIO-0001")).text
    assert "¿En qué paradas exactamente?" in page and "Pregunta del equipo" in page
    unreachable = await desk.post("/desk/proposals/UIO-0002/ask", {"question": "¿Sigue pasando?"})
    assert (
        unreachable.status_code == 409 and "Ya no es posible contactar al autor de esta propuesta" in unreachable.text
    )
    empty = await desk.post("/desk/proposals/UIO-0001/ask", {"question": "   "})
    assert empty.status_code == 422
    assert [e.detail for e in await audit(database) if e.action == "ask_author"] == [{"via": "web"}]


async def test_hiding_takes_a_proposal_off_the_public_site_and_back(
    sign_in: SignIn, database: Database, visitor: httpx.AsyncClient
) -> None:
    await story(database)
    desk = await sign_in("moderator")
    assert (await desk.post("/desk/proposals/UIO-0002/hide", {"hidden": "yes"})).status_code == 303
    assert (await visitor.get("/proposals/UIO-0002")).status_code == 404
    table = (await desk.get("/desk/proposals")).text
    assert "UIO-0002" in table and "Oculta" in table, "staff still see it, marked"
    assert (await desk.post("/desk/proposals/UIO-0002/hide", {"hidden": "no"})).status_code == 303
    assert (await visitor.get("/proposals/UIO-0002")).status_code == 200
    assert [(e.action, e.target) for e in await audit(database) if e.action in ("hide", "unhide")] == [
        ("hide", "UIO-0002"),
        ("unhide", "UIO-0002"),
    ]


async def test_the_proposal_page_has_everything_staff_need(sign_in: SignIn, database: Database) -> None:
    await story(database)
    desk = await sign_in("analyst")
    page = (await desk.get("/desk/proposals/UIO-0001")).text
    for shown in (
        "Los buses del corredor sur",
        "Publicar horarios",
        "Menos espera",
        "vecino-7f3a",
        "Quitumbe",
        "Academia",
        "30 a 44",
        "-0.22980, -78.52490",
        "Pregunta 0",
        "Pregunta 1",
        "Historial de estados",
    ):
        assert shown in page, shown
    assert 'src="/desk/proposals/UIO-0001/photos/1"' in page
    assert "Acciones de moderación" not in page, "an analyst reads, does not act"
    photo = await desk.get("/desk/proposals/UIO-0001/photos/1")
    assert photo.content == PHOTO and photo.headers["content-type"] == "image/png"
    assert (await desk.get("/desk/proposals/UIO-0001/photos/2")).status_code == 404
    views = [e for e in await audit(database) if e.action == "view_proposal"]
    assert [(v.target, v.detail, v.actor) for v in views] == [
        ("UIO-0001", {"via": "web"}, f"analyst:staff-{desk.member.id}")
    ]


async def test_the_table_filters_like_the_export(sign_in: SignIn, database: Database) -> None:
    await story(database)
    desk = await sign_in("analyst")
    everything = (await desk.get("/desk/proposals")).text
    assert "UIO-0001" in everything and "UIO-0002" in everything and "2 propuestas" in everything
    by_axis = (await desk.get("/desk/proposals?axis=1")).text
    assert "UIO-0002" in by_axis and "UIO-0001" not in by_axis
    by_zone = (await desk.get("/desk/proposals?zone=quitumbe&q=buses")).text
    assert "UIO-0001" in by_zone and "UIO-0002" not in by_zone
    bad = await desk.get("/desk/proposals?since=ayer")
    assert bad.status_code == 400 and "no es una fecha" in bad.text


async def test_every_export_format_downloads_what_the_cli_writes_and_is_audited_alike(
    sign_in: SignIn, database: Database, web_services: Services
) -> None:
    await story(database)
    desk = await sign_in("analyst")
    for fmt, extra in (
        ("csv", {}),
        ("csv", {"excel": "on"}),
        ("json", {}),
        ("jsonl", {}),
        ("decidim", {}),
        ("xlsx", {}),
        ("csv", {"public": "on"}),
    ):
        response = await desk.get("/desk/proposals/export", params={"format": fmt, "axis": "4", **extra})
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"].startswith(
            'attachment; filename="cocrea-quito-2024-20261121-1030'
        )
        request = ExportRequest(
            fmt,
            ExportFilter(consultation="quito-2024", axes=("4",)),
            "es",
            public="public" in extra,
            excel="excel" in extra,
        )
        expected = io.BytesIO()
        async with web_services.uow() as uow:
            await export_proposals(uow, web_services, operator(), request, expected, via="cli", target="x")
        if fmt == "xlsx":
            assert sheet(response.content) == sheet(expected.getvalue())
        else:
            assert response.content == expected.getvalue(), fmt
    entries = [e for e in await audit(database) if e.action == "export"]
    web, cli = entries[0], entries[1]
    assert web.actor == f"analyst:staff-{desk.member.id}" and web.detail["via"] == "web"
    assert {k: v for k, v in web.detail.items() if k != "via"} == {k: v for k, v in cli.detail.items() if k != "via"}
    assert web.detail["rows"] == 1 and web.detail["filters"] == {"consultation": "quito-2024", "axis": ["4"]}


def sheet(content: bytes) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


async def test_the_queue_lists_new_proposals_oldest_first(sign_in: SignIn, database: Database) -> None:
    await story(database)
    await proposal(database, "UIO-0003", status="in_review")
    desk = await sign_in("analyst")
    page = (await desk.get("/desk/queue")).text
    assert page.index("UIO-0001") < page.index("UIO-0002") and "UIO-0003" not in page


async def test_open_questions_are_answered_from_the_desk(sign_in: SignIn, database: Database) -> None:
    await story(database)
    asker = await participant(database)
    async with database.sessions() as session:
        session.add(
            ThreadMessage(
                participant_id=asker, direction="ask", text="¿Cuándo publican los resultados?", actor="citizen"
            )
        )
        await session.commit()
    analyst = await sign_in("analyst", "901")
    listed = (await analyst.get("/desk/questions")).text
    assert (
        "¿Cuándo publican los resultados?" in listed and "vecino-7f3a" in listed and "Enviar la respuesta" not in listed
    )
    desk = await sign_in("moderator")
    page = (await desk.get("/desk/questions")).text
    question_id = page.split('action="/desk/questions/')[1].split("/")[0]
    refused = await desk.post(f"/desk/questions/{question_id}/answer", {"answer": "!"})
    assert refused.status_code == 422
    answered = await desk.post(f"/desk/questions/{question_id}/answer", {"answer": "En marzo, en el portal municipal."})
    assert answered.status_code == 303
    [reply] = await outbox(database)
    assert reply.to.chat_id == "770001" and "Answer from the team to your question" in reply.text
    after = (await desk.get("/desk/questions?done=answered")).text
    assert "¿Cuándo publican los resultados?" not in after and "La respuesta se envió" in after
    assert [e.detail for e in await audit(database) if e.action == "reply_to_question"] == [{"via": "web"}]


async def test_answers_are_imported_in_bulk_after_a_preview(sign_in: SignIn, database: Database) -> None:
    await story(database)
    desk = await sign_in("moderator")
    upload = (
        f"code;status;answer\nUIO-0001;accepted;{REASON}\nUIO-0002;not_adopted;\nUIO-0404;accepted;Nada\n;in_review;\n"
    ).encode("utf-8-sig")
    preview = await desk.client.post(
        "/desk/answers/preview", data={"csrf": desk.csrf}, files={"file": ("respuestas.csv", upload, "text/csv")}
    )
    assert preview.status_code == 200
    html = preview.text
    assert "Todavía no cambió nada" in html and "Cambiarían: 1" in html and "Rechazadas: 3" in html
    for line, reason in (
        (3, "requiere una respuesta motivada"),
        (4, "ninguna propuesta tiene el código UIO-0404"),
        (5, "el código está vacío"),
    ):
        assert f"<td>{line}</td>" in html and reason in html
    assert await status_of(database, "UIO-0001") == ("received", None, False), "a preview changes nothing"
    assert await outbox(database) == []
    text = html.split('name="text" hidden aria-hidden="true">')[1].split("</textarea>")[0]
    import html as markup

    confirmed = await desk.post("/desk/answers/import", {"text": markup.unescape(text), "source": "respuestas.csv"})
    assert (
        confirmed.status_code == 200
        and "Cambiadas: 1" in confirmed.text
        and "Autores a quienes avisar: 1" in confirmed.text
    )
    assert await status_of(database, "UIO-0001") == ("accepted", REASON, False)
    assert len(await outbox(database)) == 1
    [entry] = [e for e in await audit(database) if e.action == "import_answers"]
    assert entry.detail == {"applied": 1, "unchanged": 0, "rejected": 3, "via": "web"}
    assert entry.target == "respuestas.csv"
    no_columns = await desk.client.post(
        "/desk/answers/preview", data={"csrf": desk.csrf}, files={"file": ("x.csv", b"codigo,estado\n", "text/csv")}
    )
    assert no_columns.status_code == 422 and "no tiene la columna" in no_columns.text
    not_text = await desk.client.post(
        "/desk/answers/preview", data={"csrf": desk.csrf}, files={"file": ("x.csv", b"\xff\xfe\x00bad", "text/csv")}
    )
    assert not_text.status_code == 422 and "UTF-8" in not_text.text


async def test_statistics_show_the_chart_and_the_counts(sign_in: SignIn, database: Database) -> None:
    await story(database)
    desk = await sign_in("analyst")
    page = (await desk.get("/desk/stats?axis=4")).text
    assert "data:image/png;base64," in page, "the chart of cocrea stats"
    assert "1 propuesta" in page and "Quitumbe" in page and "Academia" in page
    [entry] = [e for e in await audit(database) if e.action == "stats"]
    assert entry.detail["via"] == "web" and entry.detail["filters"] == {"consultation": "quito-2024", "axis": ["4"]}


async def test_admins_read_the_audit_log_and_manage_the_staff(sign_in: SignIn, database: Database) -> None:
    await story(database)
    admin = await sign_in("admin")
    assert (await admin.post("/desk/staff", {"user_id": "12345", "role": "analyst"})).status_code == 303
    assert (await admin.post("/desk/staff", {"user_id": "12345", "role": "moderator"})).status_code == 303
    page = (await admin.get("/desk/staff")).text
    assert "telegram:12345" in page
    wrong = await admin.post("/desk/staff", {"user_id": "ana", "role": "analyst"})
    assert wrong.status_code == 422 and "es un número" in wrong.text
    assert (await admin.post("/desk/staff/remove", {"user_id": "12345"})).status_code == 303
    gone = await admin.post("/desk/staff/remove", {"user_id": "12345"})
    assert gone.status_code == 422
    log = (await admin.get("/desk/audit")).text
    assert "staff.add" in log and "staff.remove" in log and "web.sign_in" in log
    entries = [e for e in await audit(database) if e.action.startswith("staff.")]
    assert [(e.action, e.detail) for e in entries] == [
        ("staff.add", {"role": "analyst", "via": "web"}),
        ("staff.add", {"role": "moderator", "via": "web"}),
        ("staff.remove", {"via": "web"}),
    ]
    assert json.dumps({"via": "web"}) in log.replace("&#34;", '"')


async def test_a_workshop_proposal_shows_its_table_and_questions_go_to_its_facilitator(
    sign_in: SignIn, database: Database, web_services: Services, make_citizen: Callable[..., Citizen]
) -> None:
    await a_workshop(web_services)
    await make_staff(database, "650", "facilitator")
    facilitator = make_citizen("650", "en")
    await sit_at_table(facilitator, table=2)
    code = await enter_proposal(facilitator, backers="9")
    desk = await sign_in("moderator")
    page = (await desk.get(f"/desk/proposals/{code}")).text
    assert "Taller Calderón (W1" in page and "mesa 2" in page and "9 personas" in page
    assert "Ya no es posible contactar" not in page, "its facilitator answers for it"
    asked = await desk.post(f"/desk/proposals/{code}/ask", {"question": "¿Qué barrio exactamente?"})
    assert asked.status_code == 303
    question = (await outbox(database))[-1]
    assert question.to.chat_id == "650" and "¿Qué barrio exactamente?" in question.text
    await make_staff(database, "650", "analyst")
    page = (await desk.get(f"/desk/proposals/{code}")).text
    assert "Ya no es posible contactar" in page, "no longer a facilitator: nobody can answer"
