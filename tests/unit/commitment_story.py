"""Steps of the consolidation story, shared by the commitment tests: citizens send and support proposals,
staff merge them into commitments, and everyone's inbox is read."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from handlers.actors import operator
from handlers.consolidation.commitments import Merged, draft
from handlers.services import Services
from storage.database import Database
from storage.models import OutboxMessage, Proposal, StatusChange
from storage.uow import UnitOfWork
from tests.driver import Citizen
from tests.unit.story import consent, reach_review

TITLE = "Horarios de buses en tiempo real"


async def submits(citizen: Citizen, language: str = "en") -> str:
    """The citizen sends one proposal; returns its code."""
    await reach_review(citizen, language)
    replies = await citizen.press_data("review:send")
    return next(match for m in replies if (match := _code(m.text)))


def _code(text: str) -> str:
    found = re.search(r"UIO-\d{4}", text)
    return found.group(0) if found else ""


async def only_consents(citizen: Citizen, language: str = "en") -> None:
    await consent(citizen, language)
    await citizen.press_data("sector:civil-society")
    await citizen.press_data("zone:skip")
    await citizen.press_data("age:skip")


async def supports(database: Database, citizen: Citizen, code: str) -> None:
    """The citizen backs ``code`` (as the review step's "support this one" does)."""
    async with UnitOfWork(database) as uow:
        participant = await uow.participants.find("telegram", citizen.user_id)
        proposal = await uow.proposals.by_code(code)
        assert participant is not None and proposal is not None
        assert await uow.supports.add(proposal.id, participant.id)
        await uow.commit()


async def drafted(services: Services, codes: list[str], title: str = TITLE, **options: str) -> Merged:
    async with services.uow() as uow:
        result = await draft(uow, services, operator(), codes, title, **options)
        await uow.commit()
    return result


async def delivered(citizen: Citizen) -> None:
    """The outbox sender runs: what staff's actions owe people reaches their chats."""
    await citizen.delivery.drain_once()


def news(citizen: Citizen, about: str) -> list[str]:
    """The texts the citizen received that mention ``about`` (a commitment's code)."""
    return [m.text for m in citizen.inbox if about in m.text]


async def proposal(database: Database, code: str) -> Proposal:
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.by_code(code)
        assert found is not None
        return found


async def statuses(database: Database, code: str) -> list[str]:
    async with database.sessions() as session:
        query = (
            select(StatusChange.status)
            .join(Proposal, Proposal.id == StatusChange.proposal_id)
            .where(Proposal.code == code)
            .order_by(StatusChange.id)
        )
        return list((await session.execute(query)).scalars())


async def commitments_of(database: Database, *codes: str) -> dict[str, list[str]]:
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.by_codes(list(codes))
        links = await uow.commitments.commitments_of([p.id for p in found.values()])
        return {code: links.get(found[code].id, []) for code in codes}


async def owed(database: Database) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one())
