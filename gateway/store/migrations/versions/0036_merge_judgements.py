"""merge judgements: the optional LLM merge judge's answers, kept by their question's hash

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08

A full pass with `merge_judge_model` set asks the model whether pairs of close issues are one
problem (gateway.discovery.merge_judging). Kept in memory only, every `feedgate cluster` asked its
questions again; kept here, a pass showing the model the same issues asks nothing. A row holds the
question's sha256, the model, the answer and when it was given: no complaint text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.types import UtcDateTime

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_judgements",
        sa.Column("question_key", sa.String(length=64), primary_key=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merge_judgements")
