"""the retrain trigger's record (export): when enough new labelled examples asked for a retrain

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retrain_triggers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_examples", sa.Integer(), nullable=False),
        sa.Column("new_examples", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("delivery_status", sa.Integer(), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retrain_triggers")),
    )
    with op.batch_alter_table("retrain_triggers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retrain_triggers_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retrain_triggers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retrain_triggers_created_at"))
    op.drop_table("retrain_triggers")
