"""fix previews: a candidate fix replayed on an issue's interactions, stored to be read back

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "fix_previews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issue_id", sa.String(length=36), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("candidate", JSON_DOCUMENT, nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("credential", sa.String(length=40), nullable=False),
        sa.Column("items", JSON_DOCUMENT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fix_previews")),
    )
    with op.batch_alter_table("fix_previews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fix_previews_issue_id"), ["issue_id"], unique=False)


def downgrade() -> None:
    op.drop_table("fix_previews")
