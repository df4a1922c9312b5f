"""WhatsApp: when a person last wrote (reply windows, inactivity), one reminder per draft and a way to
turn reminders off, receipts of sent messages (the channel's message id, when it was sent)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("last_seen_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("reminded_at", UTC_DATETIME, nullable=True))
    op.execute("UPDATE conversations SET last_seen_at = updated_at")
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("reminders", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("sent_at", UTC_DATETIME, nullable=True))
        batch.create_index("ix_outbox_channel_message", ["channel", "message_id"], unique=False)


def downgrade() -> None:
    # The older version deletes a row once sent and knows no waiting: those rows go, the others stay pending.
    op.execute("DELETE FROM outbox WHERE status IN ('sent', 'delivered', 'read')")
    op.execute("UPDATE outbox SET status = 'pending' WHERE status = 'waiting'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_channel_message")
        batch.drop_column("sent_at")
        batch.drop_column("message_id")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("reminders")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("reminded_at")
        batch.drop_column("last_seen_at")
