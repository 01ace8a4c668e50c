"""indexes for lookups that read whole tables: merge judge answers by age, fix links by their fix

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-10

Each prune finds the merge judge's answers past their lifetime by `asked_at < cutoff`
(gateway.store.merge_judgements.drop_before), a batch at a time: without an index each batch read
the whole table, which grows by every question a pass asks (up to thousands a pass). The issue a fix
was last linked to is looked up by `fix_id` (gateway.store.fix_links.issue_fixed_by), which read
every link. Both plans were a full scan on SQLite and PostgreSQL (tests/store/test_lookup_indexes.py).
"""

from __future__ import annotations

from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

# (table, column) of each index this revision adds.
INDEXED = (("merge_judgements", "asked_at"), ("fix_links", "fix_id"))


def upgrade() -> None:
    for table, column in INDEXED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in INDEXED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
