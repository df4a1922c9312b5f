"""privacy and staff onboarding: a proposal can lose its pseudonym (the author deleted their data);
staff names and one-time invitations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 23:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('proposals') as batch:
        batch.alter_column('participant_pseudonym', existing_type=sa.String(length=24), nullable=True)
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('display_name', sa.String(length=128), nullable=True))
    op.create_table(
        'staff_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('invited_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['used_by'], ['staff.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )


def downgrade() -> None:
    op.drop_table('staff_invitations')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('display_name')
    op.execute("UPDATE proposals SET participant_pseudonym = '' WHERE participant_pseudonym IS NULL")
    with op.batch_alter_table('proposals') as batch:
        batch.alter_column('participant_pseudonym', existing_type=sa.String(length=24), nullable=False)
