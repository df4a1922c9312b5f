"""web desk: one-time sign-in links and sessions of staff members (hashes only); an index for the
public lists (a consultation's published proposals, newest first)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sign_in_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sign_in_links") as batch:
        batch.create_index(batch.f("ix_web_sign_in_links_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sessions") as batch:
        batch.create_index(batch.f("ix_web_sessions_staff_id"), ["staff_id"], unique=False)
        batch.create_index(batch.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("proposals") as batch:
        batch.create_index("ix_proposals_published", ["consultation", "hidden", "submitted_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.drop_index("ix_proposals_published")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_index(batch.f("ix_web_sessions_expires_at"))
        batch.drop_index(batch.f("ix_web_sessions_staff_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("web_sign_in_links") as batch:
        batch.drop_index(batch.f("ix_web_sign_in_links_staff_id"))
    op.drop_table("web_sign_in_links")
