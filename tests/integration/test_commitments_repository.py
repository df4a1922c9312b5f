"""The commitments repository on a real database (SQLite, and PostgreSQL when configured): codes, links
in order, what each proposal became, milestones, progress and who was told of what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.database import Database
from storage.models import Commitment, CommitmentSource, Milestone, ProgressUpdate, Proposal
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def a_proposal(code: str) -> Proposal:
    return Proposal(
        code=code,
        consultation="quito-2024",
        axis_id="4",
        pillar_id="transparency",
        problem="Sin horarios en las paradas.",
        solution="Publicarlos.",
        contribution="Menos espera.",
        language="es",
        channel="telegram",
        submitted_at=NOW,
    )


async def a_commitment(uow: UnitOfWork, consultation: str = "quito-2024", prefix: str = "UIO") -> Commitment:
    code = await uow.commitments.next_code(consultation, prefix)
    return await uow.commitments.add(
        Commitment(code=code, consultation=consultation, title=f"Compromiso {code}", created_by="operator:cli-ana")
    )


def a_link(commitment: Commitment, proposal: Proposal, at: datetime) -> CommitmentSource:
    return CommitmentSource(
        commitment_id=commitment.id,
        proposal_id=proposal.id,
        previous_status=proposal.status,
        linked_by="operator:cli-ana",
        linked_at=at,
    )


async def test_codes_links_and_what_each_proposal_became(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        first, second = await a_commitment(uow), await a_commitment(uow)
        other = await a_commitment(uow, "cuenca-2022", "CUE")
        one = await uow.proposals.add(a_proposal("UIO-0001"), actor="citizen")
        two = await uow.proposals.add(a_proposal("UIO-0002"), actor="citizen")
        await uow.commitments.link([a_link(second, one, NOW + timedelta(seconds=1))])
        await uow.commitments.link([a_link(first, one, NOW), a_link(first, two, NOW + timedelta(seconds=2))])
        await uow.commit()
    assert (first.code, second.code, other.code) == ("UIO-C01", "UIO-C02", "CUE-C01")

    async with UnitOfWork(any_database) as uow:
        assert await uow.commitments.commitments_of([one.id, two.id, 999]) == {
            one.id: ["UIO-C01", "UIO-C02"],
            two.id: ["UIO-C01"],
        }
        assert await uow.commitments.source_codes([first.id, second.id, other.id]) == {
            first.id: ["UIO-0001", "UIO-0002"],
            second.id: ["UIO-0001"],
        }
        chain = (await uow.commitments.links_of([one.id]))[one.id]
        assert [link.commitment_id for link in chain] == [first.id, second.id], "oldest link first"
        assert [c.code for c in await uow.commitments.of_consultation("quito-2024")] == ["UIO-C01", "UIO-C02"]
        await uow.commitments.unlink([chain[0]])
        assert await uow.commitments.commitments_of([one.id]) == {one.id: ["UIO-C02"]}


async def test_milestones_progress_and_who_was_told(any_database: Database) -> None:
    async with UnitOfWork(any_database) as uow:
        commitment = await a_commitment(uow)
        for title in ("Pantallas", "Datos abiertos"):
            await uow.commitments.add_milestone(Milestone(commitment_id=commitment.id, title=title))
        for note in ("Licitación", "Instalación"):
            await uow.commitments.add_progress(
                ProgressUpdate(commitment_id=commitment.id, note=note, actor="operator:cli-ana", created_at=NOW)
            )
        await uow.commitments.mark_told(commitment.id, "merged", ["participant:1", "proposal:7"], NOW)
        await uow.commit()

    async with UnitOfWork(any_database) as uow:
        milestones = await uow.commitments.milestones(commitment.id)
        assert [(m.number, m.title) for m in milestones] == [(1, "Pantallas"), (2, "Datos abiertos")]
        latest = await uow.commitments.latest_progress(commitment.id)
        assert latest is not None and latest.note == "Instalación"
        assert [p.note for p in await uow.commitments.progress(commitment.id)] == ["Licitación", "Instalación"]
        asked = ["participant:1", "participant:2", "proposal:7"]
        assert await uow.commitments.already_told(commitment.id, "merged", asked) == {"participant:1", "proposal:7"}
        assert await uow.commitments.already_told(commitment.id, "progress:1", asked) == set()
        await uow.commitments.forget_told(commitment.id, "merged", ["participant:1"])
        assert await uow.commitments.already_told(commitment.id, "merged", asked) == {"proposal:7"}
