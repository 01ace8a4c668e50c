"""2-D map points of each app's negative feedback, computed by the clustering pass and kept

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_map_points",
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("app", "interaction_id", name=op.f("pk_feedback_map_points")),
    )


def downgrade() -> None:
    op.drop_table("feedback_map_points")
