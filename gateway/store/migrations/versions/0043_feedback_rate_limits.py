"""feedback rate limits counted in the database: `feedback_rate_limits`, one row per counted key

Revision ID: 0043
Revises: 0042
Create Date: 2027-01-05

With FEEDGATE_FEEDBACK_RATE_LIMIT_SCOPE=database (the default under `serve --workers N` > 1), the
per-token, per-address and per-app limits of /v1/feedback are counted here instead of in each process's
memory, so N processes allow one allowance, not N (gateway.store.rate_limits). Each row holds the time its
key's allowance is full again; rows whose allowance is full are deleted every minute.

On PostgreSQL the table is UNLOGGED: a check's commit then waits for no WAL flush, and what a crash
loses (every key's allowance starts full again) is only ever lenient. The table starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "feedback_rate_limits",
        sa.Column("counted_by", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("full_at", sa.Float(), nullable=False),
        sa.Column("taken", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("counted_by", "key", name=op.f("pk_feedback_rate_limits")),
        prefixes=unlogged,
    )
    op.create_index(op.f("ix_feedback_rate_limits_full_at"), "feedback_rate_limits", ["full_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_rate_limits_full_at"), table_name="feedback_rate_limits")
    op.drop_table("feedback_rate_limits")
