"""incremental clustering passes: run kind and recipe, each issue's admission bar, placement landmarks

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02

All columns are nullable: runs stored before this revision were full passes (their empty recipe
matches no current one, so the next pass is full), issues get their admission bar from the next
full pass, and no fitted point is a landmark until then.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cluster_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("recipe", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("changed_items", sa.Integer(), nullable=True))
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admission_similarity", sa.Float(), nullable=True))
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.drop_column("content_hash")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("admission_similarity")
    with op.batch_alter_table("cluster_runs", schema=None) as batch_op:
        batch_op.drop_column("changed_items")
        batch_op.drop_column("recipe")
        batch_op.drop_column("kind")
