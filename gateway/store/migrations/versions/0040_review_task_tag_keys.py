"""review task tags keep their folded key: the queue's tag filter matches a tag in any case, as the knowledge base's

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-09

`GET /api/reviews?tag=` (and the review queue page's tag filter) compared the tag as written: "cards"
missed a task tagged "Cards", where `GET /api/kb?tag=cards` finds such an entry (revision 0035). Each
tag row now keeps `tag_key`, the tag folded by the one rule every tag filter follows
(gateway.store.folded_text.tag_key: str.casefold, which neither database's lower() matches), written
by the store with the tag; the filter compares it. Existing rows get theirs here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.folded_text import tag_key

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

_tags = sa.table(
    "review_task_tags",
    sa.column("task_id", sa.String()),
    sa.column("tag", sa.String()),
    sa.column("tag_key", sa.String()),
)


def upgrade() -> None:
    op.add_column("review_task_tags", sa.Column("tag_key", sa.String(length=600), nullable=True))
    connection = op.get_bind()
    # One update per distinct tag: tasks share a handful of tags ("held", an app's labels).
    for (tag,) in connection.execute(sa.select(_tags.c.tag).distinct()).all():
        connection.execute(sa.update(_tags).where(_tags.c.tag == tag).values(tag_key=tag_key(tag)))
    with op.batch_alter_table("review_task_tags", schema=None) as batch_op:
        batch_op.alter_column("tag_key", existing_type=sa.String(length=600), nullable=False)
        batch_op.create_index(batch_op.f("ix_review_task_tags_tag_key"), ["tag_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_task_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_task_tags_tag_key"))
        batch_op.drop_column("tag_key")
