"""indexes for listings newest first by (created_at, id)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03

The interaction and feedback listings ordered and paged by id, as if ids sorted by time; imported
rows keep the ids of their file ("conv-17", a UUIDv4), which sort anywhere. They now order by
created_at, the id only breaking ties, and page from a (created_at, id) cursor
(gateway.store.listing). These indexes let both databases walk that order from the cursor, for all
rows or one app's or one model's, instead of sorting the table. Each index that is a leading part of
a new one goes ((created_at), (app, created_at) on both tables), and so do (model, id), which only
the id-ordered listing read, and (app, id), which an app's newest calls for the traffic indexes read
(store.recent_traffic, now newest by time through (app, created_at, id)): one index fewer for every
insert to keep up.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_created_at_id"), ["created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_interactions_app_created_at_id"), ["app", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_model_created_at_id"), ["model", "created_at", "id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_interactions_created_at"))
        batch_op.drop_index(batch_op.f("ix_interactions_app_created_at"))
        batch_op.drop_index(batch_op.f("ix_interactions_model_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_app_id"))
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_created_at_id"), ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_app_created_at_id"), ["app", "created_at", "id"], unique=False)
        batch_op.drop_index(batch_op.f("ix_feedback_created_at"))
        batch_op.drop_index(batch_op.f("ix_feedback_app_created_at"))


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_app_created_at"), ["app", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_feedback_app_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_created_at_id"))
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_app_id"), ["app", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interactions_model_id"), ["model", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interactions_app_created_at"), ["app", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interactions_created_at"), ["created_at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_interactions_model_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_app_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_created_at_id"))
