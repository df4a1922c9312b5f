"""Alembic owns the schema: upgrade from nothing, downgrade to nothing, and back."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.database import HEAD, Database, current_revision, downgrade, stored_revision, upgrade

TABLES = {
    "participants",
    "conversations",
    "proposals",
    "proposal_status_history",
    "processed_updates",
    "outbox",
    "counters",
    "staff",
    "audit_log",
    "thread_messages",
    "group_message_links",
    "staff_invitations",
    "workshops",
    "workshop_tables",
    "workshop_proposals",
    "facilitator_chats",
    "web_sign_in_links",
    "web_sessions",
    "supports",
    "proposal_vectors",
    "commitments",
    "commitment_sources",
    "commitment_milestones",
    "commitment_progress",
    "commitment_notices",
    "export_jobs",
}


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
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == [], "a model changed without its Alembic migration"


def test_head_names_the_newest_migration() -> None:
    """``storage.database.HEAD`` lets a database at the newest schema start without Alembic: it must
    name the newest migration (add a migration, update HEAD)."""
    from alembic.script import ScriptDirectory

    from storage.database import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


async def test_a_database_behind_head_is_upgraded_at_start(any_database: Database) -> None:
    await downgrade(any_database, "0007")
    assert await stored_revision(any_database) == "0007"
    await upgrade(any_database)
    assert await stored_revision(any_database) == HEAD
    assert "commitments" in await table_names(any_database)
