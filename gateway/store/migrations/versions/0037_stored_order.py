"""interactions and feedback events are numbered in the order they were stored (stored_seq), for following new rows

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-09

`GET /api/interactions?stored_after=` (and `/api/feedback`'s) lists rows in the order they were stored,
so a follower sees a call stored late (a long stream, a batch, a spool replay, an import) that lands
behind rows it passed by `created_at`. Each row gets `stored_seq` from its table's head row in `stored_order_heads`, taken in
the inserting transaction (gateway.store.stored_order): numbers are given in commit order.

The column has no default (SQLite adds none that is not a constant, and the stores number the rows
themselves). Existing rows are numbered 1, 2, ... by (created_at, id), the order they list in, by one
UPDATE per table; then the unique index is built and the head set to the count. That runs in the
upgrade's transaction and rewrites every row: writes to the tables wait until it commits, and on
PostgreSQL reads too (ADD COLUMN holds the table's ACCESS EXCLUSIVE lock until then). On 200,000
interactions (one run, a loaded 2-core host) it took 1.5 s on SQLite and 13 s on PostgreSQL. Numbering
in batches of the primary key would free nothing while that lock is held (and on SQLite the upgrade
holds the write lock from its BEGIN IMMEDIATE); committing between batches would break the
one-transaction upgrade (gateway.store.migrations.env: a failed one leaves the schema as it was, and
the migration lock ends with it) and let a gateway still running insert unnumbered rows between
batches. Run `feedgate db upgrade` before starting the new gateway, as for every migration, at a
quiet time for a big database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

NUMBERED = ("interactions", "feedback")
# Both databases read UPDATE ... FROM and window functions (SQLite from 3.33 and 3.25).
_NUMBER_EXISTING = """
UPDATE {table} SET stored_seq = numbered.seq
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq FROM {table}) AS numbered
WHERE {table}.id = numbered.id
"""


def upgrade() -> None:
    op.create_table(
        "stored_order_heads",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stored_order_heads")),
    )
    for table in NUMBERED:
        op.add_column(table, sa.Column("stored_seq", sa.BigInteger(), nullable=True))
        op.execute(_NUMBER_EXISTING.format(table=table))
        op.create_index(op.f(f"ix_{table}_stored_seq"), table, ["stored_seq"], unique=True)
        op.execute(
            f"INSERT INTO stored_order_heads (name, seq) SELECT '{table}', coalesce(max(stored_seq), 0) FROM {table}"
        )


def downgrade() -> None:
    for table in NUMBERED:
        op.drop_index(op.f(f"ix_{table}_stored_seq"), table_name=table)
        # Plain ALTER TABLE on both (SQLite from 3.35): a batch rebuild on SQLite would drop the table's triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN stored_seq")
    op.drop_table("stored_order_heads")
