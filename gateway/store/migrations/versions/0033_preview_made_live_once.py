"""fix previews remember the link that made them live: a preview is made live once, even by posts at once

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05

Without an Idempotency-Key, two make-live posts of one preview at once each found no fix live yet, and each
made one and linked it. Making a preview live now moves its `live_link_id` from what the request read to the
link it makes, in the fix's own transaction (a conditional UPDATE): the second finds it moved and answers the
first's fix. Previews made live before this revision have none recorded; their fix is found as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fix_previews", sa.Column("live_link_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    # A batch: SQLite drops a column by rebuilding the table (no trigger names fix_previews).
    with op.batch_alter_table("fix_previews") as batch:
        batch.drop_column("live_link_id")
