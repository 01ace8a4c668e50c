"""goals per app set on the overview page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_goals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_goals")),
    )
    with op.batch_alter_table("app_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_goals_app"), ["app"], unique=False)


def downgrade() -> None:
    op.drop_table("app_goals")
