"""Staff consolidate proposals into commitments without losing anyone: drafting merges the sources, every
author and supporter hears of it once in their language, a merge can be undone, a proposal split, and
progress reaches everyone behind a commitment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from handlers.actors import operator
from handlers.consolidation.commitments import (
    CommitmentEdit,
    CommitmentRefused,
    add_milestone,
    merge_into,
    record_progress,
    show_commitment,
    split,
    undo_merge,
    update_commitment,
)
from handlers.moderation.actions import set_hidden
from handlers.moderation.statuses import Change, change_status
from handlers.services import Services
from storage.database import Database
from storage.uow import UnitOfWork
from tests.driver import Citizen
from tests.unit.commitment_story import (
    TITLE,
    commitments_of,
    delivered,
    drafted,
    news,
    only_consents,
    proposal,
    statuses,
    submits,
    supports,
)
from tests.unit.workshop_story import a_workshop, enter_proposal, make_staff, sit_at_table


@dataclass
class Town:
    """Ana (Spanish) and Ben (English) each sent a proposal about bus timetables; Ben also supports Ana's;
    Carla (English) sent nothing but supports both; Dario sent a proposal about something else."""

    ana: Citizen
    ben: Citizen
    carla: Citizen
    dario: Citizen
    services: Services
    database: Database

    async def delivered(self) -> None:
        await delivered(self.ana)


@pytest.fixture
async def town(make_citizen: Callable[..., Citizen], services: Services, database: Database) -> Town:
    ana, ben, carla, dario = (make_citizen(str(n)) for n in (601, 602, 603, 604))
    assert await submits(ana, "es") == "UIO-0001"
    assert await submits(ben) == "UIO-0002"
    assert await submits(dario) == "UIO-0003"
    await only_consents(carla)
    await supports(database, ben, "UIO-0001")
    await supports(database, carla, "UIO-0001")
    await supports(database, carla, "UIO-0002")
    return Town(ana, ben, carla, dario, services, database)


async def test_drafting_merges_the_sources_and_tells_each_person_once_in_their_language(town: Town) -> None:
    result = await drafted(town.services, ["UIO-0001", "uio-0002"])
    await town.delivered()

    commitment = result.commitment
    assert (commitment.code, result.created, result.merged) == ("UIO-C01", True, ("UIO-0001", "UIO-0002"))
    for code in ("UIO-0001", "UIO-0002"):
        merged = await proposal(town.database, code)
        assert merged.status == "merged"
        assert merged.status_reason == commitment.answer and "UIO-C01" in commitment.answer
        assert await statuses(town.database, code) == ["received", "merged"], "the history is kept"
    assert await commitments_of(town.database, "UIO-0001", "UIO-0002", "UIO-0003") == {
        "UIO-0001": ["UIO-C01"],
        "UIO-0002": ["UIO-C01"],
        "UIO-0003": [],
    }
    [to_ana] = news(town.ana, "UIO-C01")
    assert to_ana.startswith(f"Compromiso UIO-C01 del plan de acción: “{TITLE}”")
    assert "Tu propuesta UIO-0001 ahora es parte de él." in to_ana
    [to_ben] = news(town.ben, "UIO-C01")
    assert "Your proposal UIO-0002 is now part of it." in to_ben, "one message for his own proposal…"
    assert "The proposal you support, UIO-0001, is now part of it." in to_ben, "…and the one he supports"
    assert "The team's answer:\nThank you for your proposal." in to_ben, "the default answer, in his language"
    [to_carla] = news(town.carla, "UIO-C01")
    assert "The proposals you support, UIO-0001, UIO-0002, are now part of it." in to_carla
    assert news(town.dario, "UIO-C01") == []


async def test_the_draft_is_prefilled_from_its_sources(town: Town) -> None:
    async with town.services.uow() as uow:
        suggesting = await uow.proposals.by_code("UIO-0002")
        assert suggesting is not None
        suggesting.lead_institution = "  Secretaría de   Movilidad "  # the optional step of some consultations
        await uow.commit()
    await drafted(town.services, ["UIO-0001", "UIO-0002"])
    async with UnitOfWork(town.database) as uow:
        view = await show_commitment(uow, town.services, "uio-c01")
    c = view.commitment
    assert c.problem.startswith("UIO-0001: Los buses del corredor sur") and "\n\nUIO-0002: " in c.problem
    assert c.action.startswith("UIO-0001: Publicar horarios") and c.contribution.startswith("UIO-0001: Menos espera")
    assert c.status_quo == "Planteado en 2 propuestas: UIO-0001, UIO-0002. Lo respaldan 3 personas. Dónde: Quitumbe."
    assert c.policy_area == "Movilidad Sostenible", "the axis, as the consultation names it"
    assert c.ogp_values == ["transparency"], "the pillar suggests the OGP value"
    assert c.supporting_institutions == "Sociedad civil organizada; Academia", "the authors' and supporters' sectors"
    assert (c.lead_institution, c.lead_suggested) == ("Secretaría de Movilidad", True), "to be confirmed by staff"
    assert view.people == 3, "Ana, Ben and Carla, each once"
    assert view.codes == ["UIO-0001", "UIO-0002"]


async def test_running_the_same_draft_again_tells_nobody_twice(town: Town) -> None:
    first = await drafted(town.services, ["UIO-0001", "UIO-0002"])
    again = await drafted(town.services, ["UIO-0002", "UIO-0001"], TITLE.upper())
    await town.delivered()

    assert (again.commitment.code, again.created, again.merged, again.told) == ("UIO-C01", False, (), 0)
    assert first.told == 3
    for citizen in (town.ana, town.ben, town.carla):
        assert len(news(citizen, "UIO-C01")) == 1
    assert await statuses(town.database, "UIO-0001") == ["received", "merged"]
    with pytest.raises(CommitmentRefused, match="There is already a commitment titled “Horarios"):
        await drafted(town.services, ["UIO-0001", "UIO-0003"])


async def test_more_proposals_join_and_who_was_told_is_not_told_again(town: Town) -> None:
    await drafted(town.services, ["UIO-0001"])
    await supports(town.database, town.carla, "UIO-0003")
    async with town.services.uow() as uow:
        joined = await merge_into(uow, town.services, operator(), "UIO-C01", ["UIO-0002", "UIO-0003"])
        await uow.commit()
    await town.delivered()

    assert joined.merged == ("UIO-0002", "UIO-0003")
    assert len(news(town.ana, "UIO-C01")) == 1
    assert len(news(town.ben, "UIO-C01")) == 1, "told once, when the proposal he supports joined"
    assert len(news(town.carla, "UIO-C01")) == 1, "she supports all three: one message"
    [to_dario] = news(town.dario, "UIO-C01")
    assert "Your proposal UIO-0003 is now part of it." in to_dario and "you support" not in to_dario
    async with town.services.uow() as uow:
        with pytest.raises(CommitmentRefused, match="UIO-0001 is already part of UIO-C01"):
            await merge_into(uow, town.services, operator(), "UIO-C01", ["UIO-0001"])


async def test_undoing_a_merge_gives_each_proposal_back_what_it_was_and_tells_of_the_correction_once(
    town: Town,
) -> None:
    async with town.services.uow() as uow:
        reviewed = await uow.proposals.by_code("UIO-0002")
        assert reviewed is not None
        await change_status(uow, town.services, reviewed, Change("in_review", actor=operator()))
        await uow.commit()
    await drafted(town.services, ["UIO-0001", "UIO-0002"])
    async with town.services.uow() as uow:
        undone = await undo_merge(uow, town.services, operator(), "UIO-C01")
        await uow.commit()
    await town.delivered()

    assert (undone.restored, undone.told) == (("UIO-0001", "UIO-0002"), 3)
    assert [
        (p.status, p.status_reason) for p in [await proposal(town.database, c) for c in ("UIO-0001", "UIO-0002")]
    ] == [
        ("received", None),
        ("in_review", None),
    ]
    assert await statuses(town.database, "UIO-0002") == ["received", "in_review", "merged", "in_review"]
    assert await commitments_of(town.database, "UIO-0001", "UIO-0002") == {"UIO-0001": [], "UIO-0002": []}
    [_, correction] = news(town.ana, "UIO-C01")
    assert correction.startswith("Una corrección sobre el compromiso UIO-C01")
    assert "Tu propuesta UIO-0001 ya no es parte de él. Su estado ahora: Recibida." in correction
    [_, to_ben] = news(town.ben, "UIO-C01")
    assert "Your proposal UIO-0002 is no longer part of it. Its status now: In review." in to_ben
    assert "UIO-0001, which you support, is no longer part of it. Its status now: Received." in to_ben
    assert len(news(town.carla, "UIO-C01")) == 2, "the merge, then one correction"

    async with town.services.uow() as uow:
        with pytest.raises(CommitmentRefused, match="No proposal is part of UIO-C01: there is nothing to undo"):
            await undo_merge(uow, town.services, operator(), "UIO-C01")
        again = await merge_into(uow, town.services, operator(), "UIO-C01", ["UIO-0001"])
        await uow.commit()
    await town.delivered()
    assert again.told == 3, "merged again after a correction: that is news again"
    assert len(news(town.ana, "UIO-C01")) == 3


async def test_one_proposal_is_taken_out_and_the_others_stay(town: Town) -> None:
    await drafted(town.services, ["UIO-0001", "UIO-0002", "UIO-0003"])
    async with town.services.uow() as uow:
        with pytest.raises(CommitmentRefused, match="UIO-0009 is not part of UIO-C01"):
            await undo_merge(uow, town.services, operator(), "UIO-C01", proposals=["UIO-0009"])
        await undo_merge(uow, town.services, operator(), "UIO-C01", proposals=["UIO-0003"])
        await uow.commit()
    await town.delivered()

    assert (await proposal(town.database, "UIO-0003")).status == "received"
    assert (await proposal(town.database, "UIO-0001")).status == "merged"
    assert len(news(town.dario, "UIO-C01")) == 2
    assert len(news(town.ana, "UIO-C01")) == 1, "Ana's proposal is still part of it: nothing to correct for her"


async def test_a_proposal_covering_two_topics_is_split_into_a_second_commitment(town: Town) -> None:
    await drafted(town.services, ["UIO-0001", "UIO-0002"])
    async with town.services.uow() as uow:
        with pytest.raises(CommitmentRefused, match="UIO-0003 is not part of any commitment yet"):
            await split(uow, town.services, operator(), "UIO-0003", "UIO-C01")
    await drafted(town.services, ["UIO-0003"], "Paradas seguras e iluminadas")
    async with town.services.uow() as uow:
        result = await split(uow, town.services, operator(), "UIO-0001", "UIO-C02")
        with pytest.raises(CommitmentRefused, match="UIO-0001 is already part of UIO-C02"):
            await split(uow, town.services, operator(), "UIO-0001", "UIO-C02")
        await uow.commit()
    await town.delivered()

    assert (result.commitment.code, result.merged) == ("UIO-C02", ("UIO-0001",))
    assert await commitments_of(town.database, "UIO-0001") == {"UIO-0001": ["UIO-C01", "UIO-C02"]}
    [to_ana] = news(town.ana, "UIO-C02")
    assert "Paradas seguras e iluminadas" in to_ana and "Tu propuesta UIO-0001 ahora es parte de él." in to_ana
    assert len(news(town.dario, "UIO-C02")) == 1, "already told of C02 when it was drafted from his proposal"
    assert len(news(town.carla, "UIO-C02")) == 1 and len(news(town.ben, "UIO-C02")) == 1

    async with town.services.uow() as uow:
        await undo_merge(uow, town.services, operator(), "UIO-C01")
        await uow.commit()
    one = await proposal(town.database, "UIO-0001")
    assert one.status == "merged", "still part of C02"
    assert "UIO-C02" in (one.status_reason or "")
    async with town.services.uow() as uow:
        await undo_merge(uow, town.services, operator(), "UIO-C02", proposals=["UIO-0001"])
        await uow.commit()
    one = await proposal(town.database, "UIO-0001")
    assert (one.status, one.status_reason, one.answered_at) == ("received", None, None), "back to what it was"


async def test_progress_reaches_every_linked_author_and_supporter_once(town: Town) -> None:
    await drafted(town.services, ["UIO-0001", "UIO-0002"])
    async with town.services.uow() as uow:
        milestone = await add_milestone(
            uow, town.services, operator(), "UIO-C01", "Pantallas en 20 paradas", "2027-03-31"
        )
        await uow.commit()
    assert milestone.number == 1
    async with town.services.uow() as uow:
        recorded = await record_progress(
            uow, town.services, operator(), "UIO-C01", milestone=1, done=True, note="Instaladas las 20 pantallas."
        )
        await uow.commit()
    await town.delivered()

    assert recorded.told == 3
    [_, progress] = news(town.ben, "UIO-C01")
    assert progress == (
        "Progress on commitment UIO-C01, “Horarios de buses en tiempo real”:\n"
        "Milestone 1 done: Pantallas en 20 paradas.\n"
        "Instaladas las 20 pantallas.\n\n"
        "It includes proposals UIO-0002, UIO-0001, which you follow."
    )
    [_, progreso] = news(town.ana, "UIO-C01")
    assert progreso.startswith("Avance del compromiso UIO-C01") and "Hito 1 cumplido" in progreso
    assert len(news(town.carla, "UIO-C01")) == 2 and news(town.dario, "UIO-C01") == []
    async with town.services.uow() as uow:
        with pytest.raises(CommitmentRefused, match="Milestone 1 of UIO-C01 is already done"):
            await record_progress(uow, town.services, operator(), "UIO-C01", milestone=1, done=True)
        with pytest.raises(CommitmentRefused, match="UIO-C01 has no milestone 2"):
            await record_progress(uow, town.services, operator(), "UIO-C01", milestone=2, note="?")
        note = "Las pantallas ya muestran los horarios."
        await record_progress(uow, town.services, operator(), "UIO-C01", note=note)
        with pytest.raises(CommitmentRefused, match="This progress on UIO-C01 was already recorded"):
            await record_progress(uow, town.services, operator(), "UIO-C01", note=note)
        view = await show_commitment(uow, town.services, "UIO-C01")
    assert view.milestones[0].done_at is not None and len(view.progress) == 2


@pytest.mark.parametrize(
    ("codes", "title", "refusal"),
    [
        (["UIO-0002"], TITLE, "UIO-0002 was hidden by the moderators: it cannot be part of a commitment."),
        (["UIO-0001", "UIO-0003"], TITLE, "UIO-0003 was withdrawn by its author: it cannot be part of a commitment."),
        (["UIO-0001", "UIO-0099"], TITLE, "There is no proposal UIO-0099."),
        ([" , "], TITLE, "Name at least one proposal by its code."),
        (["UIO-0001"], "   ", "A commitment needs a title."),
    ],
)
async def test_what_cannot_be_merged_is_refused_and_nothing_changes(
    town: Town, codes: list[str], title: str, refusal: str
) -> None:
    async with town.services.uow() as uow:
        hidden = await uow.proposals.by_code("UIO-0002")
        assert hidden is not None
        await set_hidden(uow, operator(), hidden, True)
        await uow.commit()
    await town.dario.send("/mine")
    await town.dario.press("Withdraw UIO-0003")
    await town.dario.press("Yes, withdraw it")

    with pytest.raises(CommitmentRefused) as refused:
        await drafted(town.services, codes, title)

    assert str(refused.value) == refusal
    assert refused.value.explain(town.services.translator("es")) != refusal, "said in Spanish on the web desk"
    assert (await proposal(town.database, "UIO-0001")).status == "received"
    assert (await drafted(town.services, ["UIO-0001"])).commitment.code == "UIO-C01", "no code was used up"


async def test_an_author_who_deleted_their_data_is_nobody_to_tell(town: Town) -> None:
    await town.ana.send("/delete_me")
    await town.ana.press("Sí, borrar mis datos")
    before = len(town.ana.inbox)

    result = await drafted(town.services, ["UIO-0001", "UIO-0002"])
    await town.delivered()

    assert result.told == 2, "Ben and Carla"
    assert len(town.ana.inbox) == before
    async with UnitOfWork(town.database) as uow:
        assert (await show_commitment(uow, town.services, "UIO-C01")).people == 3, "her proposal still counts"
    await town.carla.send("/delete_me")
    await town.carla.press("Yes, delete my data")
    async with town.services.uow() as uow:
        recorded = await record_progress(uow, town.services, operator(), "UIO-C01", note="Licitación publicada.")
        await uow.commit()
    assert recorded.told == 1, "only Ben is left to tell"


async def test_a_new_answer_becomes_every_sources_answer_and_is_told_once(town: Town) -> None:
    await drafted(town.services, ["UIO-0001", "UIO-0002"])
    answer = "Unimos sus propuestas con la Secretaría de Movilidad; el compromiso se ejecuta en 2027."
    edit = CommitmentEdit(
        answer=answer, lead_institution="Secretaría de Movilidad", ogp_values=["transparency", "participation"]
    )
    for _ in range(2):
        async with town.services.uow() as uow:
            edited = await update_commitment(uow, town.services, operator(), "UIO-C01", edit)
            await uow.commit()
    await town.delivered()

    assert edited.changed == () and edited.told == 0, "the same edit again changes nothing"
    one = await proposal(town.database, "UIO-0001")
    assert one.status_reason == answer
    assert await statuses(town.database, "UIO-0001") == ["received", "merged", "merged"]
    [_, to_ana] = news(town.ana, "UIO-C01")
    assert "El equipo actualizó su respuesta sobre este compromiso:\n" + answer in to_ana
    async with town.services.uow() as uow:
        view = await show_commitment(uow, town.services, "UIO-C01")
        assert (view.commitment.lead_institution, view.commitment.lead_suggested) == ("Secretaría de Movilidad", False)
        assert view.commitment.ogp_values == ["transparency", "participation"]
        with pytest.raises(CommitmentRefused, match="Unknown OGP value open-data"):
            await update_commitment(uow, town.services, operator(), "UIO-C01", CommitmentEdit(ogp_values=["open-data"]))
        with pytest.raises(CommitmentRefused, match="cannot end before it starts"):
            await update_commitment(
                uow, town.services, operator(), "UIO-C01", CommitmentEdit(starts_on="2027-06-01", ends_on="2027-01-31")
            )


async def test_the_default_answer_follows_a_new_title_silently(town: Town) -> None:
    await drafted(town.services, ["UIO-0001"])
    async with town.services.uow() as uow:
        edited = await update_commitment(
            uow, town.services, operator(), "UIO-C01", CommitmentEdit(title="Buses puntuales y visibles")
        )
        await uow.commit()
    await town.delivered()

    assert edited.changed == ("title", "answer") and edited.told == 0
    reason = (await proposal(town.database, "UIO-0001")).status_reason or ""
    assert "“Buses puntuales y visibles”" in reason
    assert len(news(town.ana, "UIO-C01")) == 1


async def test_a_workshop_table_hears_through_its_facilitator_and_counts_its_backers(
    make_citizen: Callable[..., Citizen], services: Services, database: Database
) -> None:
    await a_workshop(services)
    await make_staff(database, "700", "facilitator")
    facilitator = make_citizen(user_id="700", language_code="en")
    await sit_at_table(facilitator, table=2)
    table_code = await enter_proposal(facilitator, backers="12")
    await facilitator.send("/fin")
    eva = make_citizen("605")
    own_code = await submits(eva)
    await supports(database, eva, table_code)

    result = await drafted(services, [table_code, own_code], "Alumbrado en las paradas")
    await delivered(eva)

    [to_table] = news(facilitator, "UIO-C01")
    assert f"{table_code}, a proposal of table 2 (Taller Calderón), is now part of it." in to_table
    [to_eva] = news(eva, "UIO-C01")
    assert f"Your proposal {own_code} is now part of it." in to_eva
    assert f"The proposal you support, {table_code}, is now part of it." in to_eva
    assert result.told == 2
    async with UnitOfWork(database) as uow:
        assert (await show_commitment(uow, services, "UIO-C01")).people == 13, "12 at the table, and Eva"
