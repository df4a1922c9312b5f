"""The public repository reads published proposals exactly as the public export writes them."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from handlers.public.open_data import open_data_request, write_open_data
from handlers.public.proposals import public_numbers, published_page, published_proposal, tracking_code
from handlers.services import Services
from handlers.staff.columns import public_columns
from handlers.staff.requests import ExportRequest
from storage.database import Database
from storage.export import ExportFilter
from storage.uow import UnitOfWork
from tests.seed import proposal


async def seeded(database: Database) -> None:
    await proposal(database, "UIO-0001", status="accepted", status_reason="Se incluye.")
    await proposal(database, "UIO-0002", axis_id="1")
    hidden = await proposal(database, "UIO-0003")
    async with UnitOfWork(database) as uow:
        found = await uow.proposals.get(hidden)
        assert found is not None
        found.hidden = True
        await uow.commit()


async def test_pages_hold_only_published_proposals_and_public_columns(services: Services, database: Database) -> None:
    await seeded(database)
    async with services.reading() as uow:
        page = await published_page(uow, services, ExportFilter(), 1, "es")
        by_axis = await published_page(uow, services, ExportFilter(axes=("1",)), 1, "en")
    assert [row["code"] for row in page.rows] == ["UIO-0002", "UIO-0001"] and page.total == 2
    assert all(tuple(row) == public_columns(services.steps) for row in page.rows)
    assert [row["axis"] for row in by_axis.rows] == ["Habitat, Security and Civic Coexistence"]


async def test_one_proposal_with_its_history_never_its_actors(services: Services, database: Database) -> None:
    await seeded(database)
    async with services.reading() as uow:
        found = await published_proposal(uow, services, "UIO-0001", "es")
        hidden = await published_proposal(uow, services, "UIO-0003", "es")
    assert hidden is None
    assert found is not None and found.row["status_reason"] == "Se incluye." and "participant" not in found.row
    assert [change.status for change in found.history] == ["accepted"]
    assert not hasattr(found.history[0], "actor")


async def test_the_numbers_count_published_proposals(services: Services, database: Database) -> None:
    await seeded(database)
    async with services.reading() as uow:
        numbers = await public_numbers(uow, services)
    assert numbers.total == 2 and numbers.by_status == {"accepted": 1, "received": 1}


@pytest.mark.parametrize(
    ("typed", "code"),
    [(" uio-0042 ", "UIO-0042"), ("UIO 42", "UIO-42"), ("uio_0042", "UIO-0042"), ("0042", None), ("<b>", None)],
)
def test_a_typed_tracking_code_is_understood(typed: str, code: str | None) -> None:
    assert tracking_code(typed) == code


async def test_open_data_is_only_ever_the_public_export(services: Services, database: Database) -> None:
    await seeded(database)
    out = io.BytesIO()
    async with services.reading() as uow:
        count = await write_open_data(uow, services, open_data_request(services, "json", ExportFilter(), "es"), out)
        with pytest.raises(ValueError, match="public export"):
            await write_open_data(uow, services, ExportRequest("json", lang="es"), io.BytesIO())
        with pytest.raises(ValueError, match="public export"):
            await write_open_data(uow, services, replace(ExportRequest("xlsx", public=True)), io.BytesIO())
    assert count == 2 and b"vecino" not in out.getvalue()
    with pytest.raises(ValueError):
        open_data_request(services, "xlsx", ExportFilter(), "es")


async def test_a_reading_unit_of_work_cannot_commit(database: Database) -> None:
    async with UnitOfWork(database, read_only=True) as uow:
        with pytest.raises(RuntimeError, match="cannot commit"):
            await uow.commit()
