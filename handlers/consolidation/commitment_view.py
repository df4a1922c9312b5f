"""A commitment as staff (and the public site) read it: its template, the proposals behind it, how many
people they are, its milestones and progress."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.consolidation.commitment_people import count_people
from handlers.consolidation.commitment_rules import find_commitment
from handlers.services import Services
from storage.models import Commitment, Milestone, ProgressUpdate, Proposal
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class CommitmentView:
    commitment: Commitment
    sources: tuple[Proposal, ...]
    """Its proposals, in the order they were linked."""
    people: int
    """Authors, supporters and workshop backers behind its proposals, each person once."""
    milestones: tuple[Milestone, ...]
    progress: tuple[ProgressUpdate, ...]
    """Oldest first."""

    @property
    def codes(self) -> list[str]:
        return [proposal.code for proposal in self.sources]


async def view_of(uow: UnitOfWork, commitment: Commitment) -> CommitmentView:
    sources = tuple(p for p, _ in await uow.commitments.sources(commitment.id))
    return CommitmentView(
        commitment,
        sources,
        await count_people(uow, sources),
        tuple(await uow.commitments.milestones(commitment.id)),
        tuple(await uow.commitments.progress(commitment.id)),
    )


async def show_commitment(uow: UnitOfWork, services: Services, code: str) -> CommitmentView:
    """The consultation's commitment ``code``; ``CommitmentRefused`` when there is none."""
    return await view_of(uow, await find_commitment(uow, services, code))


async def list_commitments(uow: UnitOfWork, services: Services) -> list[CommitmentView]:
    """The consultation's commitments, in the order they were drafted."""
    return [await view_of(uow, c) for c in await uow.commitments.of_consultation(services.consultation.slug)]
