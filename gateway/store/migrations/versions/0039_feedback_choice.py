"""feedback names the choice it judges: `choice`, the index of one of the answer's choices (0 by default)

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-09

An app that asks for several choices (`n` > 1) and shows them lets its end users correct any of
them; the export paired every correction with the first choice. A post now names the choice it
judges (`/v1/feedback`'s `choice`), stored here; events stored before it judged the first, 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not batch mode: on SQLite it would copy the table, losing the triggers revision 0016 put on it.
    op.add_column("feedback", sa.Column("choice", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Both databases drop a column in place (SQLite since 3.35), keeping the table's triggers.
    op.execute("ALTER TABLE feedback DROP COLUMN choice")
