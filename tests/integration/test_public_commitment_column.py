"""The public repository says what became of each proposal down to the action plan: a ``commitment``
column with the codes of the commitments it is part of (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from config.consultation import Consultation
from handlers.actors import operator
from handlers.consolidation.commitments import draft, split, undo_merge
from handlers.i18n import Catalogs
from handlers.intake.table import DEFAULT_STEPS
from handlers.services import Services
from handlers.staff.columns import public_columns, staff_columns
from storage.database import Database
from storage.uow import UnitOfWorkFactory
from tests.integration.test_exports import csv_rows, export, xlsx_sheets
from tests.seed import proposal


async def consolidated(database: Database, quito: Consultation, catalogs: Catalogs) -> None:
    """UIO-0001 and UIO-0002 became C01; UIO-0001 also covers C02's topic; UIO-0003 is in none."""
    for code in ("UIO-0001", "UIO-0002", "UIO-0003"):
        await proposal(database, code)
    services = Services(UnitOfWorkFactory(database), quito, catalogs)
    async with services.uow() as uow:
        await draft(uow, services, operator(), ["UIO-0001,UIO-0002"], "Horarios en las paradas")
        await draft(uow, services, operator(), ["UIO-0003"], "Veredas seguras")
        await split(uow, services, operator(), "UIO-0001", "UIO-C02")
        await undo_merge(uow, services, operator(), "UIO-C02", proposals=["UIO-0003"])
        await uow.commit()


async def test_the_public_export_names_the_commitments_each_proposal_became_part_of(
    any_database: Database, quito: Consultation, catalogs: Catalogs
) -> None:
    await consolidated(any_database, quito, catalogs)
    columns = list(public_columns(DEFAULT_STEPS))
    assert columns[-1] == "commitment"

    rows = json.loads(await export(any_database, quito, catalogs, format="json", public=True))
    assert {row["code"]: row["commitment"] for row in rows} == {
        "UIO-0001": "UIO-C01 UIO-C02",
        "UIO-0002": "UIO-C01",
        "UIO-0003": None,
    }
    [header, *lines] = csv_rows(await export(any_database, quito, catalogs, format="csv", public=True))
    assert header == columns
    assert [line[-1] for line in lines] == ["UIO-C01 UIO-C02", "UIO-C01", ""]
    sheet = xlsx_sheets(await export(any_database, quito, catalogs, format="xlsx", public=True))["proposals"]
    assert sheet[0][-1] == "Compromiso" and sheet[1][-1] == "UIO-C01 UIO-C02"

    staff = json.loads(await export(any_database, quito, catalogs, format="json"))
    assert list(staff[0]) == list(staff_columns(DEFAULT_STEPS)) and "commitment" not in staff[0]
