"""kept UMAP fits per app, issue merges and status changes as events with a time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reduction_points",
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("coordinates", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("app", "interaction_id", name=op.f("pk_reduction_points")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("run_id", existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column("created_at")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
    op.drop_table("reduction_points")
