"""chat, user and event ids as strings (a WhatsApp id is a phone number, a message id is text);
links to sent messages know their channel; the optional suggested lead institution

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _as_text(table: str, column: str, length: int, nullable: bool = False) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            column,
            existing_type=sa.BigInteger(),
            type_=sa.String(length),
            nullable=nullable,
            existing_nullable=nullable,
            postgresql_using=f"{column}::varchar",
        )


def _as_number(table: str, column: str, length: int, nullable: bool = False) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            column,
            existing_type=sa.String(length),
            type_=sa.BigInteger(),
            nullable=nullable,
            existing_nullable=nullable,
            postgresql_using=f"{column}::bigint",
        )


def upgrade() -> None:
    _as_text("conversations", "chat_id", 64)
    _as_text("outbox", "chat_id", 64)
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("lead_institution", sa.Text(), nullable=True))

    op.create_table(
        "processed_events",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("processed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("channel", "event_id"),
    )
    op.execute(
        "INSERT INTO processed_events (channel, event_id, processed_at) "
        "SELECT channel, CAST(update_id AS VARCHAR(128)), processed_at FROM processed_updates"
    )
    op.drop_index("ix_processed_updates_processed_at", table_name="processed_updates")
    op.drop_table("processed_updates")
    op.rename_table("processed_events", "processed_updates")
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])

    op.create_table(
        "message_links",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", "chat_id", "message_id"),
    )
    op.execute(
        "INSERT INTO message_links (channel, chat_id, message_id, proposal_id, participant_id, thread_id, purpose, "
        "created_at) SELECT 'telegram', CAST(chat_id AS VARCHAR(64)), CAST(message_id AS VARCHAR(128)), proposal_id, "
        "participant_id, CAST(thread_id AS VARCHAR(64)), purpose, created_at FROM group_message_links"
    )
    op.drop_table("group_message_links")
    op.rename_table("message_links", "group_message_links")


def downgrade() -> None:
    # Ids that are not numbers belong to channels the older version does not know: their rows go.
    numeric = {"postgresql": "~ '^-?[0-9]+$'", "sqlite": "NOT GLOB '*[^-0-9]*'"}[op.get_bind().dialect.name]
    op.execute(f"DELETE FROM outbox WHERE NOT (chat_id {numeric})")
    op.execute(f"DELETE FROM conversations WHERE NOT (chat_id {numeric})")
    op.create_table(
        "message_links",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    op.execute(
        "INSERT INTO message_links (chat_id, message_id, proposal_id, participant_id, thread_id, purpose, created_at) "
        "SELECT CAST(chat_id AS BIGINT), CAST(message_id AS BIGINT), proposal_id, participant_id, "
        f"CAST(thread_id AS BIGINT), purpose, created_at FROM group_message_links WHERE channel = 'telegram' "
        f"AND chat_id {numeric} AND message_id {numeric}"
    )
    op.drop_table("group_message_links")
    op.rename_table("message_links", "group_message_links")

    op.create_table(
        "processed_events",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("channel", "update_id"),
    )
    op.execute(
        "INSERT INTO processed_events (channel, update_id, processed_at) "
        f"SELECT channel, CAST(event_id AS BIGINT), processed_at FROM processed_updates WHERE event_id {numeric}"
    )
    op.drop_index("ix_processed_updates_processed_at", table_name="processed_updates")
    op.drop_table("processed_updates")
    op.rename_table("processed_events", "processed_updates")
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])

    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("lead_institution")
    _as_number("outbox", "chat_id", 64)
    _as_number("conversations", "chat_id", 64)
