"""workshops with work tables, the workshop origin of a proposal, facilitators' chats; proposals get a
source (chat or workshop)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("source", sa.String(length=12), server_default="chat", nullable=False))

    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("zone", sa.String(length=40), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_workshops_consultation", "workshops", ["consultation", "held_on"])

    op.create_table(
        "workshop_tables",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("axis_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workshop_id", "number"),
    )

    op.create_table(
        "workshop_proposals",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("backers", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("proposal_id"),
        sa.UniqueConstraint("reference", name="uq_workshop_proposals_reference"),
    )
    op.create_index("ix_workshop_proposals_workshop", "workshop_proposals", ["workshop_id", "table_number"])

    op.create_table(
        "facilitator_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("table_number", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "chat_id", name="uq_facilitator_chat_channel_chat"),
    )
    op.create_index("ix_facilitator_chats_staff_id", "facilitator_chats", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_facilitator_chats_staff_id", table_name="facilitator_chats")
    op.drop_table("facilitator_chats")
    op.drop_index("ix_workshop_proposals_workshop", table_name="workshop_proposals")
    op.drop_table("workshop_proposals")
    op.drop_table("workshop_tables")
    op.drop_index("ix_workshops_consultation", table_name="workshops")
    op.drop_table("workshops")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("source")
