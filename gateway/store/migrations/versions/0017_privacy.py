"""privacy: which redaction rules fired per interaction and feedback event; indexes for erasure and pruning

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # {"rule": matches replaced} when redaction changed the row; null when it changed nothing or was off.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redactions", JSONDocument, nullable=True))
        # Erasure finds an end user's interactions by this column.
        batch_op.create_index(batch_op.f("ix_interactions_end_user"), ["end_user"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redactions", JSONDocument, nullable=True))
        batch_op.create_index(batch_op.f("ix_feedback_user_id"), ["user_id"], unique=False)
    # Pruning and erasure delete kept UMAP points by interaction, which the (app, interaction_id) key cannot find.
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reduction_points_interaction_id"), ["interaction_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reduction_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reduction_points_interaction_id"))
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_user_id"))
        batch_op.drop_column("redactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_end_user"))
        batch_op.drop_column("redactions")
