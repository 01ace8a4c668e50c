"""feedback integrity: who each feedback event counts as (voter), and each token's stored submissions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

Events stored before this revision keep a null voter, so they count by their user_id as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.types import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        # "token:<token id>" for a browser whose token names no end user; null: the user_id is the voter.
        batch_op.add_column(sa.Column("voter", sa.String(length=40), nullable=True))
    op.create_table(
        "feedback_token_uses",
        sa.Column("token_id", sa.String(length=40), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("last_submitted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_feedback_token_uses")),
    )
    with op.batch_alter_table("feedback_token_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_token_uses_interaction_id"), ["interaction_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_token_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_token_uses_interaction_id"))
    op.drop_table("feedback_token_uses")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("voter")
