"""consolidation: similarity vectors of proposals, supports of published proposals, commitments in the OGP template drafted from
proposals (with what each source was before, so a merge can be undone), milestones, progress updates
and who was told of what; the bot's exports written in the background

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "proposal_vectors",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    op.create_table(
        "supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "participant_id", name="uq_support_proposal_participant"),
    )
    op.create_index("ix_supports_proposal_id", "supports", ["proposal_id"])
    op.create_index("ix_supports_participant_id", "supports", ["participant_id"])
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("consultation", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("status_quo", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("contribution", sa.Text(), nullable=False),
        sa.Column("long_term_goal", sa.Text(), nullable=False),
        sa.Column("ogp_values", sa.JSON(), nullable=False),
        sa.Column("policy_area", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("lead_institution", sa.Text(), nullable=False),
        sa.Column("lead_suggested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("supporting_institutions", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_commitments_consultation", "commitments", ["consultation"])
    op.create_table(
        "commitment_sources",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("previous_status", sa.String(length=24), nullable=False),
        sa.Column("previous_reason", sa.Text(), nullable=True),
        sa.Column("previous_answered_at", UTC_DATETIME, nullable=True),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("commitment_id", "proposal_id"),
    )
    op.create_index("ix_commitment_sources_proposal", "commitment_sources", ["proposal_id"])
    op.create_table(
        "commitment_milestones",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("commitment_id", "number"),
    )
    op.create_table(
        "commitment_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=True),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_commitment_progress_commitment", "commitment_progress", ["commitment_id", "created_at"])
    op.create_table(
        "commitment_notices",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("commitment_id", "event", "recipient"),
    )


    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_jobs_state", "export_jobs", ["state", "created_at"])
    op.create_index("ix_export_jobs_staff_id", "export_jobs", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_export_jobs_staff_id", table_name="export_jobs")
    op.drop_index("ix_export_jobs_state", table_name="export_jobs")
    op.drop_table("export_jobs")
    op.drop_table("commitment_notices")
    op.drop_index("ix_commitment_progress_commitment", table_name="commitment_progress")
    op.drop_table("commitment_progress")
    op.drop_table("commitment_milestones")
    op.drop_index("ix_commitment_sources_proposal", table_name="commitment_sources")
    op.drop_table("commitment_sources")
    op.drop_index("ix_commitments_consultation", table_name="commitments")
    op.drop_table("commitments")
    op.drop_index("ix_supports_participant_id", table_name="supports")
    op.drop_index("ix_supports_proposal_id", table_name="supports")
    op.drop_table("supports")
    op.drop_table("proposal_vectors")
