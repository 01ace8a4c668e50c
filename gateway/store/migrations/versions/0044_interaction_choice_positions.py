"""interactions record where their answer lists its choices when some choice is not at its number: choice_positions

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-21

A choice number names the choice of that `index` when the indexes number the choices 0 to n-1, wherever the
upstream lists it (gateway.domain.choice_numbers). SQL that reads a choice (the export's check of a judged choice,
clustering's, calibration's) worked that rule out per row, an aggregate over `choices` that put a sort into every
export chunk on SQLite and made PostgreSQL read every review decision for each chunk. The writer now records, with
each answer, where its choices are listed when some choice is not at its number (null for the usual listing), and
the SQL reads that (gateway.store.choice_sql).

Existing answers get theirs here: in one pass over `interactions`, the database itself (its JSON functions, no row
sent to Python) keeps the answers that list two choices or more, one of them not an object of that index at its
position: a few rows, whose positions the Python rule works out, and only those rows are written. The pass reads
every stored answer once, in the upgrade's transaction (on PostgreSQL the new column's lock keeps readers waiting
until it commits, as for revision 0037, which rewrote every row). 200,000 interactions of 1-2 KB answers, 1 in 100
listed out of order, took 1.6 s on SQLite and 1.1 s on PostgreSQL (one run, a 2-core host shared with other work).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.domain.choice_numbers import recorded_positions

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_interactions = sa.table(
    "interactions",
    sa.column("id", sa.String()),
    sa.column("response", _JSON),
    sa.column("choice_positions", _JSON),
)
# The answers whose choices may not all be listed at their numbers: two or more, one of them not an object whose
# `index` is its position (json_each's key, ORDINALITY - 1). A superset of those the rule records positions for.
_LISTED_OUT_OF_ORDER = {
    "sqlite": (
        "json_array_length(response, '$.choices') > 1 AND EXISTS (SELECT 1 FROM json_each(response, '$.choices') AS c"
        " WHERE CASE WHEN c.type = 'object' THEN json_extract(c.value, '$.index') IS NOT c.key ELSE 1 END)"
    ),
    # Each function on `choices` only once it is known to be an array (jsonb_array_length fails on anything else).
    "postgresql": (
        "CASE WHEN jsonb_typeof(response -> 'choices') = 'array' THEN jsonb_array_length(response -> 'choices') END > 1"
        " AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(response -> 'choices') = 'array'"
        " THEN response -> 'choices' END) WITH ORDINALITY AS c(value, n)"
        " WHERE c.value -> 'index' IS DISTINCT FROM to_jsonb(c.n - 1))"
    ),
}


def upgrade() -> None:
    # Not batch mode: on SQLite it would copy the table, losing its triggers (revisions 0016, 0020).
    op.add_column("interactions", sa.Column("choice_positions", _JSON, nullable=True))
    connection = op.get_bind()
    candidates = sa.select(_interactions.c.id, _interactions.c.response).where(
        sa.text(_LISTED_OUT_OF_ORDER[connection.dialect.name])
    )
    recorded: list[dict[str, Any]] = []
    for interaction_id, response in connection.execute(candidates):
        positions = recorded_positions(response.get("choices")) if isinstance(response, dict) else None
        if positions is not None:
            recorded.append({"answer_id": interaction_id, "positions": positions})
    if recorded:
        connection.execute(
            sa.update(_interactions)
            .where(_interactions.c.id == sa.bindparam("answer_id"))
            .values(choice_positions=sa.bindparam("positions", type_=_JSON)),
            recorded,
        )


def downgrade() -> None:
    # Both databases drop a column in place (SQLite since 3.35), keeping the table's triggers.
    op.execute("ALTER TABLE interactions DROP COLUMN choice_positions")
