"""The newest-first, keyset-paged listing that the admin listings share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

Row = dict[str, Any]


def newest_first(
    table: Table,
    limit: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: str | None = None,
) -> Select[Any]:
    """`table`'s rows created in [since, until) and older than `before_id`, newest first.

    Ids are UUIDv7 text, so they sort by creation time and double as the paging cursor.
    """
    c = table.c
    query = select(table).order_by(c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(c.created_at >= since)
    if until is not None:
        query = query.where(c.created_at < until)
    if before_id is not None:
        query = query.where(c.id < before_id)
    return query


async def fetch_rows(engine: AsyncEngine, query: Select[Any]) -> list[Row]:
    """Every row `query` returns, as dicts."""
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]
