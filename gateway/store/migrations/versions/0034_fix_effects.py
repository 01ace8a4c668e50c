"""fix effects: the latest measured before/after verdict of each issue's newest fix

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05

The overview ranked an issue whose live fix cut its negative rate from 93 % to 2.6 % at the top, and
its Fix column said nothing of the effect: measuring it embeds the issue's topic, too slow for a
page listing many issues. Each measurement (the issue page, the API, the clustering pass) now keeps
its verdict here, one row per issue, for the overview and the issue list to read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.types import UtcDateTime

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fix_effects",
        sa.Column("issue_id", sa.String(length=36), primary_key=True),
        sa.Column("link_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("before_rate", sa.Float(), nullable=True),
        sa.Column("after_rate", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("measured_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fix_effects")
