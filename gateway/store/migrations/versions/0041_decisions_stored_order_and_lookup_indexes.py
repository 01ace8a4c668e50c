"""review decisions numbered in stored order, for following the export; indexes for lookups that read whole tables

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-10

`GET /api/export?stored_after=` (and `feedgate export --stored-after`) reads the labels stored since
the last export, so an export misses none stored late (an imported correction, a post that waited).
Its labels are feedback events, numbered by revision 0037, and review decisions, numbered here the same
way (gateway.store.stored_order): `review_decisions.stored_seq`, taken from the table's head row in the
deciding transaction. Existing decisions are numbered 1, 2, ... by (created_at, id), by one UPDATE
as revision 0037 did (a table of one row per decision, far smaller than interactions); then the unique
index is built and the head set to the count.

Each prune finds the merge judge's answers past their lifetime by `asked_at < cutoff`
(gateway.store.merge_judgements.drop_before), a batch at a time: without an index each batch read
the whole table, which grows by every question a pass asks (up to thousands a pass). The issue a fix
was last linked to is looked up by `fix_id` (gateway.store.fix_links.issue_fixed_by), which read
every link. Both plans were a full scan on SQLite and PostgreSQL (tests/store/test_lookup_indexes.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

# (table, column) of each plain index this revision adds.
INDEXED = (("merge_judgements", "asked_at"), ("fix_links", "fix_id"))
# Both databases read UPDATE ... FROM and window functions (SQLite from 3.33 and 3.25), as in revision 0037.
_NUMBER_EXISTING = """
UPDATE review_decisions SET stored_seq = numbered.seq
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq FROM review_decisions) AS numbered
WHERE review_decisions.id = numbered.id
"""


def upgrade() -> None:
    for table, column in INDEXED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    op.add_column("review_decisions", sa.Column("stored_seq", sa.BigInteger(), nullable=True))
    op.execute(_NUMBER_EXISTING)
    op.create_index(op.f("ix_review_decisions_stored_seq"), "review_decisions", ["stored_seq"], unique=True)
    op.execute(
        "INSERT INTO stored_order_heads (name, seq)"
        " SELECT 'review_decisions', coalesce(max(stored_seq), 0) FROM review_decisions"
    )


def downgrade() -> None:
    op.execute("DELETE FROM stored_order_heads WHERE name = 'review_decisions'")
    op.drop_index(op.f("ix_review_decisions_stored_seq"), table_name="review_decisions")
    # Plain ALTER TABLE on both (SQLite from 3.35), as revision 0037's downgrade.
    op.execute("ALTER TABLE review_decisions DROP COLUMN stored_seq")
    for table, column in INDEXED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
