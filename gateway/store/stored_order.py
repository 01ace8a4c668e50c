"""Rows numbered in the order they were stored, and read back in that order: what `?stored_after=` follows.

A listing by `created_at` misses rows stored late (a long stream, a batch, a replay from the spool
hours later, an import): they land behind rows a follower already passed. A row's `stored_seq` is
taken when it is stored, from its table's head row in `stored_order_heads`, in the inserting
transaction: the head's row lock (PostgreSQL) or the database write lock (SQLite) serializes
inserters until they commit, so the numbers are given out in commit order, as the audit log's `seq`
is (gateway.store.audit). A reader therefore sees every number up to the largest it sees, but for
rows deleted since or ids skipped as duplicates: none of them can commit later. Reading up to that
largest number (the horizon) and resuming after it skips nothing and repeats nothing, with no lag.

On PostgreSQL inserters already wait for each other on the day markers they touch
(gateway.store.daily_stats.mark_days_stale, until commit); the head is taken after those, just
before the rows go in, so its lock is held for the insert and the commit only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import stored_order_heads

Row = dict[str, Any]
# The column that holds a row's number, on every numbered table.
STORED_SEQ = "stored_seq"


def take_numbers(connection: Connection, table: Table, count: int) -> int:
    """Reserve `count` numbers for rows of `table` inserted in this transaction; returns the number before the first.

    The head stays locked until the transaction ends: make this the last thing before the rows go in.
    Sync, so one transaction's rules serve a driver-thread trip too (gateway.store.driver_trip): `run_sync` it.
    """
    h = stored_order_heads.c
    take = update(stored_order_heads).where(h.name == table.name).values(seq=h.seq + count).returning(h.seq)
    taken = connection.execute(take).scalar()
    if taken is None:
        _create_head(connection, table)
        taken = connection.execute(take).scalar_one()
    return int(taken) - count


def _create_head(connection: Connection, table: Table) -> None:
    """Make `table`'s head at its largest number (0 for none); a concurrent maker wins harmlessly."""
    largest = connection.execute(select(func.coalesce(func.max(table.c[STORED_SEQ]), 0))).scalar_one()
    create = insert_skipping_duplicates(connection.dialect, stored_order_heads, ["name"])
    connection.execute(create.values(name=table.name, seq=largest))


async def horizon(engine: AsyncEngine, table: Table) -> int:
    """The largest number a reader sees now (0 for none): every row numbered up to it that still exists is visible."""
    async with engine.connect() as connection:
        return await _horizon(connection, table)


async def _horizon(connection: AsyncConnection, table: Table) -> int:
    # Read through the unique index on stored_seq: its last entry.
    return int((await connection.execute(select(func.coalesce(func.max(table.c[STORED_SEQ]), 0)))).scalar_one())


async def stored_after(
    engine: AsyncEngine, table: Table, after: int, limit: int, conditions: Sequence[ColumnElement[bool]] = ()
) -> tuple[list[Row], int]:
    """Up to `limit` rows of `table` matching `conditions`, numbered after `after`, in the order stored; and the
    number the next read starts after.

    The horizon is read first, then the rows up to it: a row committed between the two reads has a
    larger number and waits for the next read. A short page read everything up to the horizon, so the
    next read starts there even when `conditions` left rows out (they are not read again).
    """
    seq = table.c[STORED_SEQ]
    async with engine.connect() as connection:
        upto = await _horizon(connection, table)
        if upto <= after:
            return [], after
        query = select(table).where(seq > after, seq <= upto, *conditions).order_by(seq).limit(limit)
        rows = [dict(row) for row in (await connection.execute(query)).mappings()]
    if len(rows) < limit:
        return rows, upto
    return rows, int(rows[-1][STORED_SEQ])
