"""Which interactions a knowledge-base entry was added to: those whose `policies` note names the entry's id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import interactions

Row = dict[str, Any]
# The knowledge note of a call that had entries added lists them under "entries"; a search that added none names
# its closest entry under "closest" instead (one knowledge note a call), which is not a use of that entry.
ADDED = '%"entries"%'


class KnowledgeUsageStore:
    """Finds the interactions the knowledge policy added an entry to."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def interactions_using(self, app: str, entry_id: str, limit: int) -> list[Row]:
        """id, created_at, model and status_code of `app`'s newest interactions whose policies note holds `entry_id`.

        The note lists {"entries": [{"id": …, "version": …, "score": …}]}; the entry's id (a UUID)
        quoted as a JSON string is matched in the stored JSON text, the same on SQLite and PostgreSQL, in a note
        that lists entries added (not one naming the closest entry of a search that added none).
        A walk of the app's (created_at, id) index, newest first, testing each note and stopping at `limit`.
        Newest by created_at, not by id: a UUIDv7 orders by the millisecond only (two processes' calls within
        one are in random order), as every listing of interactions orders (see the `interactions` table).
        """
        c = interactions.c
        needle = f'%"{entry_id}"%'
        noted = cast(c.policies, String)
        query = (
            select(c.id, c.created_at, c.model, c.status_code)
            .where(c.app == app, c.policies.is_not(None), noted.like(needle), noted.like(ADDED))
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]
