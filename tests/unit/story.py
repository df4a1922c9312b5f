"""Steps of the citizen's story, shared by the unit tests."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.database import Database
from storage.models import Conversation, OutboxMessage, Participant, Proposal
from tests.driver import Citizen

PROBLEM = "Los buses del corredor sur no publican horarios en las paradas desde 2023."
SOLUTION = "Publicar horarios en tiempo real en cada parada y en datos abiertos."
CONTRIBUTION = "Menos espera y más control ciudadano del servicio."


async def consent(citizen: Citizen, language: str = "en") -> None:
    await citizen.send("/start")
    await citizen.press_data(f"lang:{language}")
    await citizen.press_data(f"consent:yes:{language}")


async def skip_profile(citizen: Citizen) -> None:
    await citizen.press_data("sector:skip")
    await citizen.press_data("zone:skip")
    await citizen.press_data("age:skip")


async def reach_review(citizen: Citizen, language: str = "en") -> None:
    await consent(citizen, language)
    await citizen.press_data("sector:academia")
    await citizen.press_data("zone:quitumbe")
    await citizen.press_data("age:30-44")
    await write_proposal(citizen)


async def write_proposal(citizen: Citizen) -> None:
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:transparency")
    await citizen.send(PROBLEM)
    await citizen.send(SOLUTION)
    await citizen.send(CONTRIBUTION)


async def count(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def conversation_of(database: Database, chat_id: str) -> Conversation | None:
    async with database.sessions() as session:
        query = select(Conversation).where(Conversation.chat_id == chat_id)
        return (await session.execute(query)).scalar_one_or_none()


async def proposals(database: Database) -> list[Proposal]:
    async with database.sessions() as session:
        return list((await session.execute(select(Proposal).order_by(Proposal.id))).scalars())


__all__ = ["OutboxMessage", "Participant"]
