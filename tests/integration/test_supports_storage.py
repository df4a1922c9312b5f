"""Supports, similarity vectors and the supporters count, on SQLite and PostgreSQL."""

from __future__ import annotations

from config.consultation import Consultation
from handlers.consolidation.similar import SimilarProposals
from handlers.i18n import Catalogs
from handlers.services import Services
from handlers.staff.labels import labeler
from storage.database import Database
from storage.export import ExportFilter
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.seed import participant, proposal


async def test_supports_are_counted_listed_and_withdrawn(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    first = await proposal(any_database, "UIO-0001")
    second = await proposal(any_database, "UIO-0002")
    luis = await participant(any_database, "880001", "vecino-luis")
    eva = await participant(any_database, "880002", "vecino-eva")
    async with UnitOfWork(any_database) as uow:
        assert await uow.supports.add(first, luis)
        assert await uow.supports.add(first, eva)
        assert await uow.supports.add(second, luis)
        assert not await uow.supports.add(first, luis), "once per person"
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert await uow.supports.counts([first, second]) == {first: 2, second: 1}
        assert await uow.supports.supporters_of([first]) == {first: [luis, eva]}
        assert await uow.supports.proposal_ids_of(luis) == {first, second}
        assert [p.code for p in await uow.supports.of_participant(luis)] == ["UIO-0001", "UIO-0002"]
        assert await uow.supports.withdraw(second, luis)
        assert not await uow.supports.withdraw(second, luis)
        await uow.commit()
    label = labeler(quito, catalogs, "es")
    async with UnitOfWork(any_database) as uow:
        rows = [row async for row in uow.reports.proposals(label, ExportFilter(), quito.timezone)]
    assert [(row["code"], row["supporters"]) for row in rows] == [("UIO-0001", 2), ("UIO-0002", 0)]


async def test_vectors_are_stored_and_read_back_in_id_order(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    services = Services(UnitOfWorkFactory(any_database), quito, catalogs)
    ids = [await proposal(any_database, f"UIO-000{n}") for n in (1, 2, 3)]
    async with UnitOfWork(any_database) as uow:
        stored = await uow.proposals.by_ids(ids)
        await services.similar.store(uow, [stored[ids[2]], stored[ids[0]]])
        await uow.commit()
    async with UnitOfWork(any_database) as uow:
        assert [row.proposal_id for row in await uow.vectors.after(0)] == [ids[0], ids[2]]
        assert [row.proposal_id for row in await uow.vectors.after(ids[0])] == [ids[2]]
        assert [row.proposal_id for row in await uow.vectors.of([ids[1], ids[2]])] == [ids[2]]
        texts = await uow.vectors.texts(ExportFilter(consultation="quito-2024"))
        assert [(t.code, t.vector is not None) for t in texts] == [
            ("UIO-0001", True),
            ("UIO-0002", False),
            ("UIO-0003", True),
        ]
    fresh = SimilarProposals()
    async with UnitOfWork(any_database) as uow:
        found = await fresh.similar_to(
            services.uow, uow, "Los buses del corredor sur no publican horarios.", "es", consultation="quito-2024"
        )
    assert {hit.proposal.code for hit in found} == {"UIO-0001", "UIO-0003"}
