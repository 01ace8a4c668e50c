"""review decisions name the choice they judge: `choice`, the index of one of the answer's choices (0 by default)

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-20

A reviewer who sees an answer of several choices (`n` > 1) can approve or correct any of them; the
export paired every decision with the first choice. A decision now names the choice it judges (the
decision API's `choice`, the task page's picker), stored here; decisions stored before it judged the
first, 0, as revision 0039 said of the feedback stored before it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_decisions", sa.Column("choice", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Both databases drop a column in place (SQLite since 3.35).
    op.execute("ALTER TABLE review_decisions DROP COLUMN choice")
