"""Commitments by code and title, for pages that name them beside proposals: the choices of a form, and
the commitments one proposal became part of. Light reads: no people are counted here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handlers.services import Services
from storage.models import Proposal
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Titled:
    code: str
    title: str


async def commitment_choices(uow: UnitOfWork, services: Services) -> list[Titled]:
    """The consultation's commitments, in the order they were drafted."""
    return [Titled(c.code, c.title) for c in await uow.commitments.of_consultation(services.consultation.slug)]


async def commitments_of_proposal(uow: UnitOfWork, proposal: Proposal) -> list[Titled]:
    """The commitments ``proposal`` is part of, the one it was merged into first."""
    codes = (await uow.commitments.commitments_of([proposal.id])).get(proposal.id, [])
    return await titled(uow, codes)


async def titled(uow: UnitOfWork, codes: Iterable[str]) -> list[Titled]:
    """``codes`` with their titles, in the order given (a code no longer found is left out)."""
    found = []
    for code in codes:
        commitment = await uow.commitments.by_code(code)
        if commitment is not None:
            found.append(Titled(commitment.code, commitment.title))
    return found
