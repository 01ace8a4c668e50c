"""Storing imported interactions with their feedback, batch by batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.interaction_inserts import InteractionInserts
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]

_INTERACTION_COLUMNS = [column.name for column in interactions.columns]


class ImportStore:
    """Inserts imported rows, skipping those already stored so an import can be re-run after a partial failure."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert_interactions = InteractionInserts(engine.dialect)
        self._insert_feedback = insert_skipping_duplicates(engine.dialect, feedback)

    async def already_stored(self, ids: Sequence[str]) -> tuple[set[str], set[tuple[str, str]]]:
        """Which of `ids` are stored interactions, and the (interaction id, idempotency key) of their feedback."""
        stored_ids: set[str] = set()
        stored_keys: set[tuple[str, str]] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(ids)):
                stored_ids.update(
                    await connection.scalars(select(interactions.c.id).where(interactions.c.id.in_(chunk)))
                )
                keys = select(feedback.c.interaction_id, feedback.c.idempotency_key).where(
                    feedback.c.interaction_id.in_(chunk), feedback.c.idempotency_key.is_not(None)
                )
                stored_keys.update((row.interaction_id, row.idempotency_key) for row in await connection.execute(keys))
        return stored_ids, stored_keys

    async def insert_batch(self, interaction_rows: Sequence[Row], feedback_rows: Sequence[Row]) -> None:
        """Store one batch of interactions and their feedback events in one transaction."""
        if not interaction_rows and not feedback_rows:
            return
        async with self._engine.begin() as connection:
            if interaction_rows:
                rows = [_complete(row) for row in interaction_rows]
                await self._insert_interactions.insert(connection, rows)
            if feedback_rows:
                await connection.execute(self._insert_feedback, list(feedback_rows))


def _complete(row: Row) -> Row:
    # Every row names every column (a field the line lacks is stored as null), as imports always have.
    return {name: row.get(name) for name in _INTERACTION_COLUMNS}
