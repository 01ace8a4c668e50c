"""knowledge-base entries keep a case-folded search text: one folding on both databases, matches inside one field

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06

Text search lower-cased in SQL: SQLite through Python's str.lower, PostgreSQL with its locale's lower(),
which differ ("İ", a final "Σ"), and neither folds "ß" to "ss"; and it searched the example questions'
JSON text, so a search could span two questions or match the quotes and commas between them. Each entry
now keeps `search_text` (gateway.store.knowledge_search), written by the store with every change, which
the search looks inside. Existing entries get theirs here (a few rows per app: read and written in one go).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.store.knowledge_search import search_text

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

_entries = sa.table(
    "knowledge_entries",
    sa.column("id", sa.String()),
    sa.column("title", sa.Text()),
    sa.column("content", sa.Text()),
    sa.column("example_questions", sa.JSON()),
    sa.column("search_text", sa.Text()),
)


def _questions(value: Any) -> list[str]:
    # JSONB comes back parsed; SQLite's JSON text may come back as the text itself.
    return list(json.loads(value) if isinstance(value, str) else value or ())


def upgrade() -> None:
    op.add_column("knowledge_entries", sa.Column("search_text", sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_entries.c.id, _entries.c.title, _entries.c.content, _entries.c.example_questions)
    )
    for row in rows.all():
        text = search_text(row.title, row.content, _questions(row.example_questions))
        connection.execute(sa.update(_entries).where(_entries.c.id == row.id).values(search_text=text))
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.alter_column("search_text", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_column("search_text")
