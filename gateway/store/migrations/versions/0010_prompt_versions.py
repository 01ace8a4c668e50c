"""prompt-instruction versions and rollouts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_configs",
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app", name=op.f("pk_prompt_configs")),
    )
    op.create_table(
        "prompt_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_versions")),
        sa.UniqueConstraint("app", "model", "number", name=op.f("uq_prompt_versions_app_model_number")),
    )
    op.create_table(
        "prompt_deployments",
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("active_version_id", sa.String(length=36), nullable=True),
        sa.Column("previous_version_id", sa.String(length=36), nullable=True),
        sa.Column("canary_version_id", sa.String(length=36), nullable=True),
        sa.Column("canary_share", sa.Float(), nullable=True),
        sa.Column("canary_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app", "model", name=op.f("pk_prompt_deployments")),
    )


def downgrade() -> None:
    op.drop_table("prompt_deployments")
    op.drop_table("prompt_versions")
    op.drop_table("prompt_configs")
