"""Outbox priorities (a reply to what a person just did goes before bulk notices), one index to read a
chat's pending messages in order, and on PostgreSQL a notification per queued message, so that the one
sending worker learns at once of what any other worker, command or machine queued

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION cocrea_outbox_queued() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('cocrea_outbox', NEW.priority::text || ' ' || NEW.channel || ' ' || NEW.chat_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER cocrea_outbox_queued AFTER INSERT ON outbox
FOR EACH ROW EXECUTE FUNCTION cocrea_outbox_queued()
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.SmallInteger(), server_default="1", nullable=False))
        batch.create_index("ix_outbox_channel_chat", ["channel", "chat_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cocrea_outbox_queued ON outbox")
        op.execute("DROP FUNCTION IF EXISTS cocrea_outbox_queued()")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_channel_chat")
        batch.drop_column("priority")
