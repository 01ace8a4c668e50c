"""The newest-first, keyset-paged listing that the admin listings share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

Row = dict[str, Any]


class Position(NamedTuple):
    """Where a listing stopped: the last row shown, by its time and id. The next page starts after it."""

    created_at: datetime
    id: str


def newest_first(
    table: Table,
    limit: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    after: Position | None = None,
    columns: Sequence[ColumnElement[Any]] | None = None,
) -> Select[Any]:
    """`table`'s rows (or `columns` of them) created in [since, until) after `after`, newest first: by created_at, then id.

    Ids say nothing about time (imported rows keep the ids of their file: "conv-17", a UUIDv4), so
    they only break ties between rows of the same created_at, and the page ends at the (created_at, id)
    pair, not the id. Both databases walk the (created_at, id) indexes of migration 0024 (with `app`
    or `model` first when the caller filters on one) from the cursor, without sorting.
    """
    c = table.c
    query = (
        (select(*columns) if columns is not None else select(table))
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(c.created_at >= since)
    if after is not None and (until is None or after.created_at < until):
        # Every row before the cursor is before `until` too. Given both bounds, SQLite's planner
        # starts the index walk at `until` and filters each row down to the cursor (EXPLAIN QUERY
        # PLAN: `created_at>? AND created_at<?`): a deep page would read every page before it.
        until = None
        # A plain tuple on the right: its values take the columns' types (UtcDateTime's conversion to UTC).
        query = query.where(tuple_(c.created_at, c.id) < (after.created_at, after.id))
    if until is not None:
        # Without a cursor; or with one at `until` or later, which every row before `until` comes after.
        query = query.where(c.created_at < until)
    return query


async def fetch_rows(engine: AsyncEngine, query: Select[Any]) -> list[Row]:
    """Every row `query` returns, as dicts."""
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]
