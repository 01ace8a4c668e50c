"""The interaction repository: batched idempotent inserts, lookups and filtered listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.listing import fetch_rows, newest_first
from gateway.store.tables import interactions

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class InteractionFilter:
    """Which interactions a listing returns; every field is optional."""

    app: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Keyset paging: only interactions older than this id (ids sort by time).
    before_id: str | None = None


class InteractionStore:
    """Reads and writes interaction rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Skipping stored ids makes a replayed batch harmless.
        self._insert = insert_skipping_duplicates(engine.dialect, interactions, ["id"])

    async def insert_many(self, rows: Sequence[Row]) -> None:
        """Insert rows in one transaction, skipping ids that are already stored."""
        if not rows:
            return
        async with self._engine.begin() as connection:
            await connection.execute(self._insert, list(rows))

    async def get(self, interaction_id: str) -> Row | None:
        """One interaction by the gateway's id or the upstream's response id."""
        query = (
            select(interactions)
            .where(
                or_(
                    interactions.c.id == interaction_id,
                    interactions.c.upstream_response_id == interaction_id,
                )
            )
            .order_by(interactions.c.id)
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row else None

    async def list(self, where: InteractionFilter, limit: int) -> list[Row]:
        """The newest interactions matching `where`, newest first."""
        c = interactions.c
        query = newest_first(interactions, limit, since=where.since, until=where.until, before_id=where.before_id)
        if where.app is not None:
            query = query.where(c.app == where.app)
        if where.model is not None:
            query = query.where(c.model == where.model)
        return await fetch_rows(self._engine, query)
