"""indexes for newest-first interaction listings filtered by app or model

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The admin interactions page lists an app's or a model's newest calls: walking (app, id) or
    # (model, id) stops after one page, where (app, created_at) sorted every call of the app first.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_app_id"), ["app", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interactions_model_id"), ["model", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_model_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_app_id"))
