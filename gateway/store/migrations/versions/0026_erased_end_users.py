"""erased end users: the keyed hash of each erased end user and when, so writers drop their late calls

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03

An erasure deletes what the database holds; calls of that user still in a gateway process's writer
queue, still running, or in a spool file were stored after it. Each writer now reads this table
before it stores a batch and drops the calls of an erased user made before the erasure. Erasures
made before this revision left no row here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.types import UtcDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_end_users",
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("erased_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_erased_end_users")),
    )


def downgrade() -> None:
    op.drop_table("erased_end_users")
