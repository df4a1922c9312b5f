"""Staff consolidate proposals into commitments at the web desk: they tick proposals and draft a
commitment, edit it in the OGP template, add milestones and record progress, undo a merge, split a
proposal, and download the plan. Every action is the command line's use case, tells the people behind the
proposals through the outbox, and is audited as done from the web; a refusal is explained and changes
nothing."""

from __future__ import annotations

import io
import json
import re

from docx import Document
from sqlalchemy import func, select

from handlers.messages import Outgoing
from storage.database import Database
from storage.models import AuditEntry, Commitment, Milestone, OutboxMessage, ProgressUpdate, Proposal
from tests.seed import participant, proposal
from tests.web.conftest import Desk, SignIn, reachable_author

TITLE = "Horarios de buses en tiempo real"


async def town(database: Database) -> None:
    """Three proposals about bus timetables by two people who can be reached (one reads English), one
    about pavements, and one the moderators hid."""
    await proposal(database, "UIO-0001")
    await proposal(database, "UIO-0002", telegram_id="770002", pseudonym="vecina-9b1c", zone="chillogallo")
    await proposal(database, "UIO-0003", problem="Las veredas del barrio están rotas.", solution="Arreglarlas.")
    await proposal(database, "UIO-0004", problem="Texto que moderación ocultó.", telegram_id="770002")
    await reachable_author(database, await participant(database), chat_id="770001", language="en")
    await reachable_author(database, await participant(database, "770002", "vecina-9b1c"), chat_id="770002")
    async with database.sessions() as session:
        hidden = (await session.execute(select(Proposal).where(Proposal.code == "UIO-0004"))).scalar_one()
        hidden.hidden = True
        await session.commit()


async def outbox(database: Database) -> list[Outgoing]:
    async with database.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [Outgoing.from_json(row.payload) for row in rows]


async def audit(database: Database, prefix: str = "commitment.") -> list[AuditEntry]:
    async with database.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
        return list((await session.execute(query)).scalars())


async def statuses(database: Database) -> dict[str, str]:
    async with database.sessions() as session:
        return {p.code: p.status for p in (await session.execute(select(Proposal))).scalars()}


async def stored(database: Database, code: str = "UIO-C01") -> Commitment:
    async with database.sessions() as session:
        return (await session.execute(select(Commitment).where(Commitment.code == code))).scalar_one()


async def count(database: Database, model: type[object]) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def drafted(desk: Desk, *codes: str, title: str = TITLE) -> str:
    """The moderator ticks ``codes`` on the list of proposals and drafts a commitment from them."""
    listing = (await desk.get("/desk/proposals")).text
    for code in codes:
        assert f'name="code" value="{code}" form="pick"' in listing, f"{code} can be ticked"
    response = await desk.client.post(
        "/desk/commitments/draft", data={"csrf": desk.csrf, "code": list(codes), "title": title, "answer": ""}
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def test_a_moderator_ticks_proposals_and_drafts_a_commitment_from_them(
    sign_in: SignIn, database: Database
) -> None:
    await town(database)
    desk = await sign_in("moderator")
    where = await drafted(desk, "UIO-0001", "UIO-0002")
    assert where == "/desk/commitments/UIO-C01?done=drafted"
    assert (await statuses(database))["UIO-0001"] == "merged" and (await statuses(database))["UIO-0002"] == "merged"
    told = await outbox(database)
    assert sorted(m.to.chat_id for m in told) == ["770001", "770002"], "everyone behind them, once"
    english = next(m for m in told if m.to.chat_id == "770001")
    assert "Commitment UIO-C01 of the action plan" in english.text, "in the author's language"
    [entry] = await audit(database)
    assert entry.action == "commitment.draft" and entry.actor == f"moderator:staff-{desk.member.id}"
    assert entry.detail["via"] == "web" and entry.detail["sources"] == ["UIO-0001", "UIO-0002"]

    page = (await desk.get(where)).text
    assert "Se redactó el compromiso" in page and f"UIO-C01 · {TITLE}" in page
    assert "2 propuestas" in page and "2 personas lo respaldan" in page
    assert 'href="/desk/proposals/UIO-0001"' in page and 'href="/desk/proposals/UIO-0002"' in page
    assert "UIO-0001: Los buses del corredor sur" in page, "the template comes pre-filled from its sources"
    assert "Integrada a otra" in page
    listed = (await desk.get("/desk/commitments")).text
    assert 'href="/desk/commitments/UIO-C01"' in listed and TITLE in listed

    again = await desk.client.post(
        "/desk/commitments/draft", data={"csrf": desk.csrf, "codes": "uio-0001 UIO-0002", "title": TITLE}
    )
    assert again.headers["location"] == "/desk/commitments/UIO-C01?done=already_drafted"
    assert len(await outbox(database)) == 2, "the same draft again tells nobody twice"


async def test_a_refused_draft_says_why_in_the_staff_language_and_changes_nothing(
    sign_in: SignIn, database: Database
) -> None:
    await town(database)
    desk = await sign_in("moderator")
    hidden = await desk.client.post(
        "/desk/commitments/draft", data={"csrf": desk.csrf, "code": ["UIO-0001", "UIO-0004"], "title": TITLE}
    )
    assert hidden.status_code == 422
    assert "No se cambió nada: UIO-0004 fue ocultada por la moderación" in hidden.text
    assert 'value="UIO-0001, UIO-0004"' in hidden.text and f'value="{TITLE}"' in hidden.text, "kept as typed"
    untitled = await desk.post("/desk/commitments/draft", {"codes": "UIO-0001", "title": "  "})
    assert untitled.status_code == 422 and "El compromiso necesita un título." in untitled.text
    unknown = await desk.post("/desk/commitments/draft", {"codes": "UIO-0999", "title": TITLE})
    assert unknown.status_code == 422 and "No existe la propuesta UIO-0999" in unknown.text
    english = await desk.post("/desk/commitments/draft?lang=en", {"codes": "UIO-0004", "title": TITLE})
    assert "Nothing was changed: UIO-0004 was hidden by the moderators" in english.text
    assert await count(database, Commitment) == 0 and await outbox(database) == [] and await audit(database) == []
    assert set((await statuses(database)).values()) == {"received"}


async def test_the_template_is_edited_on_its_page(sign_in: SignIn, database: Database) -> None:
    await town(database)
    desk = await sign_in("moderator")
    await drafted(desk, "UIO-0001", "UIO-0002")
    page = (await desk.get("/desk/commitments/UIO-C01")).text
    form = {
        name: value
        for name, value in re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', page.split('/edit"')[1].split("</form>")[0])
    }
    assert form["policy_area"] == "Movilidad Sostenible", "axis → policy area"
    before = len(await outbox(database))

    saved = await desk.client.post(
        "/desk/commitments/UIO-C01/edit",
        data={
            "csrf": desk.csrf,
            "ogp_shown": "1",
            "title": TITLE,
            "action": "Pantallas con la hora de llegada\r\nen 20 paradas.",
            "ogp_values": ["transparency", "technology"],
            "lead_institution": "Secretaría de Movilidad",
            "starts_on": "2027-01-15",
            "ends_on": "2027-12-31",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/desk/commitments/UIO-C01?done=saved"
    commitment = await stored(database)
    assert commitment.action == "Pantallas con la hora de llegada\nen 20 paradas.", "stored with plain line breaks"
    assert commitment.ogp_values == ["transparency", "technology"] and not commitment.lead_suggested
    assert str(commitment.starts_on) == "2027-01-15" and str(commitment.ends_on) == "2027-12-31"
    assert commitment.problem.startswith("UIO-0001:"), "a field the form did not send stays as it was"
    assert len(await outbox(database)) == before, "only a new answer is news for the people"
    [entry] = [e for e in await audit(database) if e.action == "commitment.edit"]
    assert entry.detail["via"] == "web" and "action" in entry.detail["fields"]

    shown = (await desk.get(saved.headers["location"])).text
    assert "Se guardó el compromiso." in shown and 'value="2027-01-15"' in shown
    assert 'id="e-ogp-technology" type="checkbox" name="ogp_values" value="technology" checked' in shown

    backwards = await desk.post("/desk/commitments/UIO-C01/edit", {"title": TITLE, "ends_on": "2026-01-01"})
    assert backwards.status_code == 422
    assert "No se cambió nada: El compromiso no puede terminar antes de empezar." in backwards.text
    assert 'value="2026-01-01"' in backwards.text, "the form keeps what was typed"
    assert str((await stored(database)).ends_on) == "2027-12-31"

    answer = "Sus propuestas serán parte del plan de movilidad 2027."
    told = await desk.post("/desk/commitments/UIO-C01/edit", {"answer": answer})
    assert told.headers["location"] == "/desk/commitments/UIO-C01?done=answer_told"
    assert len(await outbox(database)) == before + 2 and answer in (await outbox(database))[-1].text
    same = await desk.post("/desk/commitments/UIO-C01/edit", {"answer": answer + "\r\n"})
    assert same.headers["location"] == "/desk/commitments/UIO-C01?done=unchanged"
    assert len(await outbox(database)) == before + 2, "the same answer again tells nobody"


async def test_milestones_and_progress_reach_everyone_behind_the_commitment(
    sign_in: SignIn, database: Database
) -> None:
    await town(database)
    desk = await sign_in("moderator")
    await drafted(desk, "UIO-0001", "UIO-0002")
    merged = len(await outbox(database))

    added = await desk.post(
        "/desk/commitments/UIO-C01/milestones", {"milestone_title": "Pantallas en 20 paradas", "due": "2027-03-31"}
    )
    assert added.headers["location"] == "/desk/commitments/UIO-C01?done=milestone"
    no_title = await desk.post("/desk/commitments/UIO-C01/milestones", {"milestone_title": " ", "due": ""})
    assert no_title.status_code == 422 and "No se cambió nada" in no_title.text
    assert await count(database, Milestone) == 1

    page = (await desk.get("/desk/commitments/UIO-C01")).text
    assert "Pantallas en 20 paradas" in page and "previsto para el 31 mar 2027" in page
    assert '<option value="1">1. Pantallas en 20 paradas</option>' in page

    vague = await desk.post("/desk/commitments/UIO-C01/progress", {"milestone": "", "done": "on", "note": ""})
    assert vague.status_code == 422 and "Indica qué hito se cumplió." in vague.text
    assert await count(database, ProgressUpdate) == 0 and len(await outbox(database)) == merged

    done = await desk.post(
        "/desk/commitments/UIO-C01/progress", {"milestone": "1", "done": "on", "note": "Instaladas las 20 pantallas."}
    )
    assert done.headers["location"] == "/desk/commitments/UIO-C01?done=progress"
    news = (await outbox(database))[merged:]
    assert sorted(m.to.chat_id for m in news) == ["770001", "770002"]
    assert all("Instaladas las 20 pantallas." in m.text for m in news)
    twice = await desk.post(
        "/desk/commitments/UIO-C01/progress", {"milestone": "1", "done": "on", "note": "Instaladas las 20 pantallas."}
    )
    assert twice.status_code == 422 and "El hito 1 de UIO-C01 ya está cumplido." in twice.text
    assert len(await outbox(database)) == merged + 2, "nobody is told twice"
    page = (await desk.get("/desk/commitments/UIO-C01")).text
    assert "cumplido el" in page and "Instaladas las 20 pantallas." in page
    entries = [(e.action, e.detail["via"]) for e in await audit(database)]
    assert ("commitment.milestone", "web") in entries and ("commitment.progress", "web") in entries


async def test_a_merge_is_undone_for_one_proposal_or_all_of_them(sign_in: SignIn, database: Database) -> None:
    await town(database)
    desk = await sign_in("moderator")
    await drafted(desk, "UIO-0001", "UIO-0002", "UIO-0003")
    one = await desk.post("/desk/commitments/UIO-C01/undo", {"proposal": "UIO-0002"})
    assert one.headers["location"] == "/desk/commitments/UIO-C01?done=undone"
    assert (await statuses(database))["UIO-0002"] == "received"
    assert (await statuses(database))["UIO-0001"] == "merged"

    unconfirmed = await desk.post("/desk/commitments/UIO-C01/undo", {})
    assert unconfirmed.status_code == 422 and "marca la casilla para confirmar" in unconfirmed.text
    assert (await statuses(database))["UIO-0001"] == "merged"
    outsider = await desk.post("/desk/commitments/UIO-C01/undo", {"proposal": "UIO-0002"})
    assert outsider.status_code == 422 and "UIO-0002 no es parte de UIO-C01" in outsider.text

    everything = await desk.post("/desk/commitments/UIO-C01/undo", {"confirm": "on"})
    assert everything.status_code == 303
    assert set((await statuses(database)).values()) == {"received"}
    page = (await desk.get("/desk/commitments/UIO-C01")).text
    assert "Ahora ninguna propuesta es parte de él." in page, "the commitment stays"
    undos = [e.detail for e in await audit(database) if e.action == "commitment.undo"]
    assert undos == [{"proposals": ["UIO-0002"], "via": "web"}, {"proposals": ["UIO-0001", "UIO-0003"], "via": "web"}]


async def test_proposals_join_a_commitment_from_the_list_the_proposal_or_the_commitment(
    sign_in: SignIn, database: Database
) -> None:
    await town(database)
    desk = await sign_in("moderator")
    await drafted(desk, "UIO-0001")
    await drafted(desk, "UIO-0003", title="Veredas seguras")

    from_list = await desk.client.post(
        "/desk/commitments/add", data={"csrf": desk.csrf, "commitment": "UIO-C01", "code": ["UIO-0002"]}
    )
    assert from_list.headers["location"] == "/desk/commitments/UIO-C01?done=merged"
    assert (await statuses(database))["UIO-0002"] == "merged"
    again = await desk.post("/desk/commitments/add", {"commitment": "UIO-C01", "codes": "UIO-0002"})
    assert again.status_code == 422 and "UIO-0002 ya es parte de UIO-C01" in again.text
    assert 'value="UIO-0002"' in again.text, "shown on the commitment's page, with the codes as typed"
    nowhere = await desk.post("/desk/commitments/add", {"commitment": "UIO-C77", "codes": "UIO-0002"})
    assert nowhere.status_code == 422 and "No existe el compromiso UIO-C77" in nowhere.text

    proposal_page = (await desk.get("/desk/proposals/UIO-0001")).text
    assert 'href="/desk/commitments/UIO-C01"' in proposal_page, "the proposal names its commitment"
    assert '<option value="UIO-C02">' in proposal_page and '<option value="UIO-C01">' not in proposal_page
    split = await desk.post("/desk/proposals/UIO-0001/split", {"into": "UIO-C02"})
    assert split.headers["location"] == "/desk/proposals/UIO-0001?done=split"
    after = (await desk.get(split.headers["location"])).text
    assert "ahora también es parte de ese compromiso" in after
    assert 'href="/desk/commitments/UIO-C01"' in after and 'href="/desk/commitments/UIO-C02"' in after
    twice = await desk.post("/desk/proposals/UIO-0001/split", {"into": "UIO-C02"})
    assert twice.status_code == 422 and "UIO-0001 ya es parte de UIO-C02" in twice.text
    [entry] = [e for e in await audit(database) if e.action == "commitment.split"]
    assert entry.target == "UIO-0001" and entry.detail["into"] == "UIO-C02" and entry.detail["via"] == "web"


async def test_the_commitments_download_in_every_format_and_is_audited(sign_in: SignIn, database: Database) -> None:
    await town(database)
    moderator = await sign_in("moderator", "901")
    await drafted(moderator, "UIO-0001", "UIO-0002")
    desk = await sign_in("analyst", "902")
    types = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "md": "text/markdown",
    }
    for fmt, media in types.items():
        response = await desk.get("/desk/commitments/export", params={"format": fmt, "export_lang": "es"})
        assert response.status_code == 200 and response.headers["content-type"].startswith(media), fmt
        assert response.headers["content-disposition"] == (
            f'attachment; filename="cocrea-quito-2024-20261121-1030-commitments.{fmt}"'
        )
    [row] = json.loads((await desk.get("/desk/commitments/export?format=json")).content)
    assert row["code"] == "UIO-C01" and row["sources"] == ["UIO-0001", "UIO-0002"] and row["people"] == 2
    document = Document(io.BytesIO((await desk.get("/desk/commitments/export?format=docx")).content))
    assert any(TITLE in paragraph.text for paragraph in document.paragraphs)
    bad = await desk.get("/desk/commitments/export?format=pdf")
    assert bad.status_code == 400 and "Formato desconocido pdf" in bad.text
    exports = [e for e in await audit(database) if e.action == "commitment.export"]
    assert len(exports) == 7 and {e.detail["via"] for e in exports} == {"web"}
    assert exports[0].actor == f"analyst:staff-{desk.member.id}"


async def test_an_analyst_reads_commitments_but_has_no_forms(sign_in: SignIn, database: Database) -> None:
    await town(database)
    await drafted(await sign_in("moderator", "901"), "UIO-0001", "UIO-0002")
    analyst = await sign_in("analyst", "902")
    page = (await analyst.get("/desk/commitments/UIO-C01")).text
    assert "Movilidad Sostenible" in page and "UIO-0001: Los buses del corredor sur" in page
    assert "<textarea" not in page and "/undo" not in page and "/progress" not in page
    listing = (await analyst.get("/desk/proposals")).text
    assert 'form="pick"' not in listing and "/desk/commitments/draft" not in listing
    assert (await analyst.get("/desk/commitments/UIO-C99")).status_code == 404
