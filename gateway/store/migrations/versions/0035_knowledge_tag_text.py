"""knowledge-base entries keep their tags case-folded: the tag filter matches a tag in any case, alike on both databases

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

`GET /api/kb?tag=` looked for the tag, quoted, in the JSON text of the entry's tags: as written on
PostgreSQL, in any ASCII case on SQLite (its LIKE folds ASCII), and never one holding a character
SQLite's JSON text escapes ("Straße", "İzmir"). Each entry now keeps `tag_text`, its tags folded with
str.casefold as text search folds (gateway.store.knowledge_search), written by the store with every
change; the filter looks for a whole folded tag inside it. Existing entries get theirs here.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.store.knowledge_search import tag_text

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

_entries = sa.table(
    "knowledge_entries",
    sa.column("id", sa.String()),
    sa.column("tags", sa.JSON()),
    sa.column("tag_text", sa.Text()),
)


def _tags(value: Any) -> list[str]:
    # JSONB comes back parsed; SQLite's JSON text may come back as the text itself.
    return list(json.loads(value) if isinstance(value, str) else value or ())


def upgrade() -> None:
    op.add_column("knowledge_entries", sa.Column("tag_text", sa.Text(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_entries.c.id, _entries.c.tags)).all():
        connection.execute(
            sa.update(_entries).where(_entries.c.id == row.id).values(tag_text=tag_text(_tags(row.tags)))
        )
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.alter_column("tag_text", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_column("tag_text")
