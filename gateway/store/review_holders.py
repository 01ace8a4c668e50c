"""Which review tasks hold which interactions: for a task to point at the others holding its issue's complaints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.tables import review_task_interactions, review_tasks


class ReviewHolders:
    """Reads the task that holds each interaction (an interaction is held by one task at most, for good)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def counts(self, interaction_ids: Sequence[str]) -> dict[str, int]:
        """How many of `interaction_ids` each task holds, by task id."""
        i = review_task_interactions.c
        found: dict[str, int] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(interaction_ids))):
                query = select(i.task_id, func.count()).where(i.interaction_id.in_(chunk)).group_by(i.task_id)
                for task_id, count in await connection.execute(query):
                    found[task_id] = found.get(task_id, 0) + count
        return found

    async def statuses(self, task_ids: Sequence[str]) -> dict[str, str]:
        """The status of each of `task_ids` (open, in_progress, resolved, dismissed), by task id."""
        t = review_tasks.c
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(t.id, t.status).where(t.id.in_(list(task_ids))))
            return dict(rows.all())
