"""Alembic owns the schema: upgrade from nothing, downgrade to nothing, and back."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.database import Database, current_revision, downgrade, upgrade

TABLES = {"participants", "conversations", "proposals", "proposal_status_history", "processed_updates",
          "outbox", "counters",
          "staff", "audit_log", "thread_messages", "group_message_links"}


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names())) - {"alembic_version"}


async def test_upgrade_creates_every_table(any_database: Database) -> None:
    assert await table_names(any_database) == TABLES
    assert await current_revision(any_database) is not None


async def test_downgrade_and_upgrade_round_trip(any_database: Database) -> None:
    head = await current_revision(any_database)
    await downgrade(any_database, "base")
    assert await table_names(any_database) == set()
    assert await current_revision(any_database) is None
    await upgrade(any_database)
    assert await table_names(any_database) == TABLES
    assert await current_revision(any_database) == head


async def test_upgrade_twice_is_harmless(any_database: Database) -> None:
    await upgrade(any_database)
    assert await table_names(any_database) == TABLES


async def test_the_models_match_the_migrations(any_database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    async with any_database.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == [], "a model changed without its Alembic migration"
