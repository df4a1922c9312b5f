"""Steps of a facilitator's story at a workshop table, shared by the unit tests."""

from __future__ import annotations

from handlers.actors import operator
from handlers.services import Services
from handlers.workshops.workshops import NewWorkshop, add_workshop
from storage.database import Database
from storage.uow import UnitOfWork
from tests.driver import Citizen
from tests.unit.story import CONTRIBUTION, SOLUTION

TABLE_PROBLEM = "En el barrio no hay alumbrado en las paradas de bus desde hace dos años."


async def make_staff(database: Database, user_id: str, role: str) -> None:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", user_id, role, added_by="test")
        await uow.commit()


async def a_workshop(
    services: Services,
    name: str = "Taller Calderón",
    *,
    zone: str = "calderon",
    tables: int = 3,
    table_axes: dict[int, str] | None = None,
) -> int:
    new = NewWorkshop(name, "2026-11-21", zone, tables, "Casa comunal", table_axes or {})
    async with services.uow() as uow:
        workshop = await add_workshop(uow, services, operator(), new)
        await uow.commit()
        return workshop.id


async def sit_at_table(facilitator: Citizen, workshop_id: int = 1, table: int = 1) -> None:
    """/taller, the workshop, the table, and the paper consent confirmed."""
    await facilitator.send("/taller")
    await facilitator.press_data(f"ws:w:{workshop_id}")
    await facilitator.press_data(f"ws:t:{table}")
    await facilitator.press_data("ws:consent:yes")


async def enter_proposal(
    facilitator: Citizen, backers: str = "12", *, axis: str | None = "4", problem: str = TABLE_PROBLEM
) -> str:
    """One proposal of the table, from its first question to its tracking code; returns the code."""
    if axis is not None:
        await facilitator.press_data(f"axis:{axis}")
    await facilitator.press_data("pillar:participation")
    for text in (problem, SOLUTION, CONTRIBUTION):
        await facilitator.send(text)
    await facilitator.send(backers)
    await facilitator.press_data("review:send")
    entered = next(m.text for m in reversed(facilitator.inbox) if "tracking code" in m.text)
    return next(word.strip(".") for word in entered.split() if word.startswith("UIO-"))
