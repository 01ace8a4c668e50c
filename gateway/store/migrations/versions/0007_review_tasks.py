"""review tasks, their interactions, tags, decisions and events

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_decisions_task_id"), ["task_id"], unique=False)

    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_task_id"), ["task_id"], unique=False)

    op.create_table(
        "review_task_interactions",
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_review_task_interactions")),
    )
    with op.batch_alter_table("review_task_interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_task_interactions_task_id"), ["task_id"], unique=False)

    op.create_table(
        "review_task_tags",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "tag", name=op.f("pk_review_task_tags")),
    )
    with op.batch_alter_table("review_task_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_task_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "review_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issue_id", sa.String(length=36), nullable=True),
        sa.Column("active_issue_id", sa.String(length=36), nullable=True),
        sa.Column("suggested_action", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("evidence", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("second_opinion", sa.Boolean(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("lease_holder", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tasks")),
        sa.UniqueConstraint("active_issue_id", name=op.f("uq_review_tasks_active_issue_id")),
    )
    with op.batch_alter_table("review_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_tasks_app_status"), ["app", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_tasks_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_tasks_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_tasks_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_tasks_status_priority_deadline"), ["status", "priority", "deadline"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_tasks_status_priority_deadline"))
        batch_op.drop_index(batch_op.f("ix_review_tasks_issue_id"))
        batch_op.drop_index(batch_op.f("ix_review_tasks_created_at"))
        batch_op.drop_index(batch_op.f("ix_review_tasks_closed_at"))
        batch_op.drop_index(batch_op.f("ix_review_tasks_app_status"))

    op.drop_table("review_tasks")
    with op.batch_alter_table("review_task_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_task_tags_tag"))

    op.drop_table("review_task_tags")
    with op.batch_alter_table("review_task_interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_task_interactions_task_id"))

    op.drop_table("review_task_interactions")
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_events_task_id"))

    op.drop_table("review_events")
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_task_id"))
        batch_op.drop_index(batch_op.f("ix_review_decisions_created_at"))

    op.drop_table("review_decisions")
