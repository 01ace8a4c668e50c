"""Numbering rows stored without a place in the stored order, so `stored_after` readers see them.

A gateway of a version before revision 0037 (0041 for review decisions) left running while the database
is upgraded (a rolling upgrade: compose's migrate service runs while the old containers still serve)
stores calls, feedback events and decisions with `stored_seq` NULL, and a follower of the stored order
never saw them. A round of the newer processes (gateway.domain.late_numbering) numbers them here,
through the writer's own `take_numbers`: they are listed as rows stored now, which is what they are to
a follower that passed their time, and every number still goes out in commit order.

Cheap when there are none: one query asks all three tables at once, each through its unique index on
stored_seq (both databases find NULLs in a b-tree index). Otherwise a table is numbered in batches, each
its own short transaction: the rows are locked first (PostgreSQL, skipping rows another round or a
feedback insert holds: they wait for the next batch or round), then the head, which is held for one
UPDATE and the commit only, as the writer holds it. On SQLite the first update takes the write lock;
a row another process numbered in between is left as it is (its number here is skipped, never reused).

Such a gateway (and a row inserted by hand) also records no `choice_positions` (revision 0044): an interaction
numbered here gets it too, derived from its answer as the writer derives it (gateway.store.interaction_inserts), in
the same transaction, before the head is taken. A gateway of a version from 0037 to 0043 numbers its rows but
records no positions either, and leaves no mark to find its rows by: docs/configuration.md, "Upgrading".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.domain.choice_numbers import recorded_positions
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import feedback, interactions, review_decisions

# Every table whose rows have a place in the stored order.
NUMBERED_TABLES: tuple[Table, ...] = (interactions, feedback, review_decisions)
# Rows numbered per transaction, by one UPDATE while the head is held.
BATCH_SIZE = 500


async def number_late_rows(engine: AsyncEngine, batch_size: int = BATCH_SIZE) -> int:
    """Give every row stored without a number its place in the stored order, `batch_size` per transaction; how many."""
    async with engine.connect() as connection:
        late = await _tables_with_late_rows(connection)
    numbered = 0
    for table in late:
        while True:
            count = await number_batch(engine, table, batch_size)
            numbered += count
            # A short batch: none left, or the rest held by another round (theirs to number).
            if count < batch_size:
                break
    return numbered


async def _tables_with_late_rows(connection: AsyncConnection) -> list[Table]:
    """The tables holding a row with no number, asked in one query."""
    query = select(*(exists().where(table.c[STORED_SEQ].is_(None)) for table in NUMBERED_TABLES))
    found = (await connection.execute(query)).one()
    return [table for table, late in zip(NUMBERED_TABLES, found, strict=True) if late]


async def number_batch(engine: AsyncEngine, table: Table, batch_size: int) -> int:
    """Number up to `batch_size` of `table`'s unnumbered rows, oldest first, in one transaction; how many."""
    seq = table.c[STORED_SEQ]
    # An interaction's answer too: what it records of its choices is derived from it.
    answers = [interactions.c.response] if table is interactions else []
    async with engine.begin() as connection:
        late = (
            select(table.c.id, *answers)
            .where(seq.is_(None))
            .order_by(table.c.created_at, table.c.id)
            .limit(batch_size)
            # Locked before the head (never after it: the head is held for the updates alone). SQLite has no
            # row locks: the clause is left out there.
            .with_for_update(skip_locked=True)
        )
        rows = (await connection.execute(late)).all()
        if not rows:
            return 0
        ids = [row.id for row in rows]
        if answers:
            await _record_choice_positions(connection, rows)
        before = await connection.run_sync(take_numbers, table, len(ids))
        # One statement for the batch (the head is held while it runs), as revision 0037 numbered the rows it found.
        # Still unnumbered: on SQLite another process may have numbered one since it was read.
        order = func.row_number().over(order_by=(table.c.created_at, table.c.id))
        batch = select(table.c.id, order.label("place")).where(table.c.id.in_(ids), seq.is_(None)).subquery()
        await connection.execute(
            update(table).where(table.c.id == batch.c.id).values({STORED_SEQ: before + batch.c.place})
        )
    return len(ids)


async def _record_choice_positions(connection: AsyncConnection, rows: Sequence[Row[Any]]) -> None:
    """Record where each of `rows` (id, response) lists its choices, for those not listed at their numbers."""
    recorded = [
        {"answer_id": row.id, "positions": positions}
        for row in rows
        if isinstance(row.response, dict) and (positions := recorded_positions(row.response.get("choices")))
    ]
    if recorded:
        c = interactions.c
        value = bindparam("positions", type_=c.choice_positions.type)
        await connection.execute(
            update(interactions).where(c.id == bindparam("answer_id")).values(choice_positions=value), recorded
        )
