"""idempotency keys: a knowledge-base entry or prompt version created once per form or Idempotency-Key

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05

A create form sent twice (a double click) or an API call retried made two entries or two versions.
Each creation now may carry a key, stored here in the creation's transaction; a second request with
the key finds it and answers what the first made. Creations before this revision carried none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.types import UtcDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# JSONB on PostgreSQL, JSON text elsewhere (as gateway.store.tables.JSONDocument).
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("field_hashes", JSONDocument, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
