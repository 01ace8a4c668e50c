"""each kept UMAP point records the document it was fitted on

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04

The kept fit was keyed by interaction alone, so a complaint whose words changed after the fit (a
new comment from its user, another user's complaint on the same answer) kept the coordinates of
its old words, and every full pass that reused the fit clustered it there. Each point now keeps
the content hash of its document, and a point whose document changed is placed anew. Points
fitted before this revision have none and are trusted as before, until the next refit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.drop_column("document_hash")
