"""fixes linked to issues and review tasks, for measuring their effect

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fix_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issue_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fix_id", sa.String(length=36), nullable=False),
        sa.Column("fix_version", sa.Integer(), nullable=True),
        sa.Column("arm", sa.String(length=10), nullable=False),
        sa.Column("live_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fix_links")),
    )
    with op.batch_alter_table("fix_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fix_links_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fix_links_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("fix_links")
