"""The similar-proposals index of a process follows what every process stores, and shows only what may be shown."""

from __future__ import annotations

from dataclasses import replace

from handlers.consolidation.similar import SimilarProposals
from handlers.services import Services
from storage.database import Database
from storage.models import Proposal
from storage.uow import UnitOfWork
from tests.seed import proposal

BUSES = (
    "Los buses del corredor sur no publican horarios en las paradas.",
    "Publicar horarios en tiempo real en cada parada.",
    "Menos espera para todos.",
)
DRAFT = (
    "Las paradas del corredor sur no tienen horarios de buses.\nPublicar los horarios en cada parada.\nMenos espera."
)


async def stored(services: Services, database: Database, code: str, *, vector: bool = True, **values: object) -> int:
    """A proposal about the same buses (unless ``values`` say otherwise), with its vector if ``vector``."""
    texts = dict(zip(("problem", "solution", "contribution"), BUSES, strict=True))
    proposal_id = await proposal(database, code, **{**texts, **values})  # type: ignore[arg-type]
    if vector:
        await add_vector(services, database, proposal_id)
    return proposal_id


async def add_vector(services: Services, database: Database, proposal_id: int) -> None:
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.get(proposal_id)
        assert found is not None
        await services.similar.store(uow, [found])
        await uow.commit()


async def look(services: Services, database: Database, *, consultation: str = "quito-2024") -> list[str]:
    """The codes found, in code order (equal texts are equally similar, up to the last bit of a float)."""
    async with UnitOfWork(database) as uow:
        found = await services.similar.similar_to(services.uow, uow, DRAFT, "es", consultation=consultation)
        return sorted(hit.proposal.code for hit in found)


async def test_a_process_finds_what_another_process_stored_since(services: Services, database: Database) -> None:
    other = replace(services, similar=SimilarProposals())  # another worker: its own index, the same database
    await stored(services, database, "UIO-0001")
    assert await look(other, database) == ["UIO-0001"]
    await stored(services, database, "UIO-0002")
    assert await look(other, database) == ["UIO-0001", "UIO-0002"]
    assert len(other.similar) == 2


async def test_a_vector_committed_after_a_higher_one_is_still_found(services: Services, database: Database) -> None:
    assert await look(services, database) == []
    await stored(services, database, "UIO-0001")
    late = await stored(services, database, "UIO-0002", vector=False)  # its transaction has not ended yet
    await stored(services, database, "UIO-0003")
    assert await look(services, database) == ["UIO-0001", "UIO-0003"]
    await add_vector(services, database, late)  # ... now it has
    assert await look(services, database) == ["UIO-0001", "UIO-0002", "UIO-0003"]


async def test_only_published_proposals_of_the_consultation_are_found(services: Services, database: Database) -> None:
    await stored(services, database, "UIO-0001", status="withdrawn")
    hidden = await stored(services, database, "UIO-0002")
    await stored(services, database, "CUE-0001", consultation="cuenca-2022")
    await stored(services, database, "UIO-0003")
    await stored(
        services,
        database,
        "UIO-0004",
        problem="El parque de La Magdalena está oscuro en la noche y hay asaltos.",
        solution="Instalar luminarias LED en el parque.",
        contribution="Menos asaltos.",
    )
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.get(hidden)
        assert isinstance(found, Proposal)
        found.hidden = True
        await uow.commit()
    assert await look(services, database) == ["UIO-0003"]
    assert await look(services, database, consultation="cuenca-2022") == ["CUE-0001"]


async def test_at_most_three_are_shown_the_most_similar_first(services: Services, database: Database) -> None:
    await stored(services, database, "UIO-0001", contribution="Menos espera para todos en el sur de la ciudad.")
    for number in range(2, 6):
        await stored(services, database, f"UIO-000{number}")
    found = await look(services, database)
    assert len(found) == 3 and "UIO-0001" not in found, "the least similar is left out"
    async with UnitOfWork(database) as uow:
        hits = await services.similar.similar_to(services.uow, uow, DRAFT, "es", consultation="quito-2024")
    scores = [hit.similarity for hit in hits]
    assert scores == sorted(scores, reverse=True)
