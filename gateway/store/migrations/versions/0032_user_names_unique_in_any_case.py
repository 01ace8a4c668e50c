"""admin users: the case-folded name is unique, so two creations at once cannot make "Alice" and "alice"

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06

Names compare without case (gateway.review.people), and creation refused a name taken in another case
by looking first, in Python; two creations at once both looked before either stored. Each user now
keeps `name_key`, the name folded by the same rule (neither database folds case as Python does, so an
index on lower(name) would not do), under a unique index. A pair made before this revision keeps both
users: the older keeps the key, the younger gets none (NULL, which the index allows), and the older's
key still refuses every new name in that case. Each such user is logged here.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from gateway.review.people import person_key

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

_users = sa.table(
    "admin_users",
    sa.column("id", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", sa.DateTime()),
    sa.column("name_key", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("admin_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=300), nullable=True))
    connection = op.get_bind()
    u = _users.c
    holders: dict[str, str] = {}
    for row in connection.execute(sa.select(u.id, u.name).order_by(u.created_at, u.id)).all():
        key = person_key(row.name)
        if key in holders:
            logger.warning("user %r keeps no folded name: %r, created earlier, has it", row.name, holders[key])
            continue
        holders[key] = row.name
        connection.execute(sa.update(_users).where(u.id == row.id).values(name_key=key))
    with op.batch_alter_table("admin_users", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_admin_users_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("admin_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_admin_users_name_key"), type_="unique")
        batch_op.drop_column("name_key")
