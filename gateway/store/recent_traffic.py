"""An app's recent interactions and which of them users currently complain about: what the review rules read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.current_feedback import current_feedback
from gateway.store.interaction_removal import existing_ids
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]
# Embedding calls carry no end-user question.
NOT_A_CONVERSATION = "embeddings"


class RecentTrafficStore:
    """Reads recent interactions per app (their ids, times and requests) and their current negative feedback."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def count(self, app: str, since: datetime) -> int:
        """How many of `app`'s conversational interactions were created at or after `since`."""
        i = interactions.c
        query = select(func.count()).where(i.app == app, i.created_at >= since, i.endpoint != NOT_A_CONVERSATION)
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def busy_apps(self, since: datetime, at_least: int) -> list[str]:
        """Apps with at least `at_least` conversational interactions created at or after `since`, sorted."""
        i = interactions.c
        query = (
            select(i.app)
            .where(i.created_at >= since, i.endpoint != NOT_A_CONVERSATION)
            .group_by(i.app)
            .having(func.count() >= at_least)
            .order_by(i.app)
        )
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def newest_ids(self, app: str, since: datetime, limit: int) -> list[tuple[str, datetime]]:
        """(id, created_at) of `app`'s newest `limit` conversational interactions since `since`, oldest first."""
        i = interactions.c
        query = (
            select(i.id, i.created_at)
            .where(i.app == app, i.created_at >= since, i.endpoint != NOT_A_CONVERSATION)
            .order_by(i.created_at.desc(), i.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = [(row.id, row.created_at) for row in await connection.execute(query)]
        rows.reverse()
        return rows

    async def requests(self, interaction_ids: Sequence[str]) -> dict[str, Any]:
        """The stored request body of each of `interaction_ids` (absent ids are left out)."""
        i = interactions.c
        found: dict[str, Any] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(interaction_ids)):
                for row in await connection.execute(select(i.id, i.request).where(i.id.in_(chunk))):
                    found[row.id] = row.request
        return found

    async def interaction(self, interaction_id: str) -> Row | None:
        """One interaction's app, created_at, endpoint and request, or None."""
        i = interactions.c
        query = select(i.id, i.app, i.created_at, i.endpoint, i.request).where(i.id == interaction_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row else None

    async def stored_among(self, interaction_ids: Sequence[str]) -> set[str]:
        """Those of `interaction_ids` still stored (not pruned nor erased since a process indexed them)."""
        async with self._engine.connect() as connection:
            return await existing_ids(connection, interaction_ids)

    async def negative_among(self, interaction_ids: Sequence[str]) -> set[str]:
        """Those of `interaction_ids` on which at least one user's current feedback is negative."""
        f = feedback.c
        found: set[str] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(interaction_ids)):
                # Narrowing by interaction drops whole interactions, never single events (see current_feedback).
                def in_chunk(ranked: Select[Any], ids: Sequence[str] = chunk) -> Select[Any]:
                    return ranked.where(f.interaction_id.in_(ids))

                current = current_feedback(f.interaction_id, f.negative, narrow=in_chunk)
                query = select(current.c.interaction_id).where(current.c.negative.is_(True)).distinct()
                found.update((await connection.execute(query)).scalars())
        return found
