"""Which interactions a knowledge-base entry was added to: those whose `policies` note names the entry's id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import interactions

Row = dict[str, Any]


class KnowledgeUsageStore:
    """Finds the interactions the knowledge policy added an entry to."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def interactions_using(self, app: str, entry_id: str, limit: int) -> list[Row]:
        """id, created_at, model and status_code of `app`'s newest interactions whose policies note holds `entry_id`.

        The note lists {"entries": [{"id": …, "version": …, "score": …}]}; the entry's id (a UUID)
        quoted as a JSON string is matched in the stored JSON text, the same on SQLite and PostgreSQL.
        A walk of the app's (created_at, id) index, newest first, testing each note and stopping at `limit`.
        Newest by created_at, not by id: a UUIDv7 orders by the millisecond only (two processes' calls within
        one are in random order), as every listing of interactions orders (see the `interactions` table).
        """
        c = interactions.c
        needle = f'%"{entry_id}"%'
        query = (
            select(c.id, c.created_at, c.model, c.status_code)
            .where(c.app == app, c.policies.is_not(None), cast(c.policies, String).like(needle))
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]
