"""The pruning queries: which interactions are past the retention age, a bounded batch at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.tables import interactions


async def oldest_before(connection: AsyncConnection, cutoff: datetime, limit: int) -> list[str]:
    """Ids of at most `limit` interactions created before `cutoff`, oldest first.

    A range scan of the created_at index that stops after `limit` rows, however many are older.
    """
    c = interactions.c
    query = select(c.id).where(c.created_at < cutoff).order_by(c.created_at).limit(limit)
    return list((await connection.execute(query)).scalars())


async def count_before(connection: AsyncConnection, cutoff: datetime) -> int:
    """How many interactions were created before `cutoff` (an index-only count on PostgreSQL)."""
    c = interactions.c
    return int(
        await connection.scalar(select(func.count()).select_from(interactions).where(c.created_at < cutoff)) or 0
    )
