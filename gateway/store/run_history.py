"""What an app's past clustering runs say about the next one: its last full run, and what changed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import cluster_runs

FULL = "full"
INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class LastFullRun:
    """An app's most recent full run, and the complaints incremental runs added or withdrew since."""

    id: str
    started_at: datetime
    items: int
    # Empty for runs stored before runs recorded their recipe.
    recipe: str | None
    changed_since: int


class RunHistoryStore:
    """Reads an app's `cluster_runs`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def last_full(self, app: str) -> LastFullRun | None:
        """`app`'s latest full run (runs of no recorded kind were full), or None when it never had one."""
        runs = cluster_runs.c
        latest = (
            select(runs.id, runs.started_at, runs["items"], runs.recipe)
            .where(runs.app == app, or_(runs.kind.is_(None), runs.kind == FULL))
            .order_by(runs.started_at.desc(), runs.id.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            found = (await connection.execute(latest)).first()
            if found is None:
                return None
            run_id, started_at, items, recipe = found
            since = select(func.coalesce(func.sum(runs.changed_items), 0)).where(
                runs.app == app, runs.kind == INCREMENTAL, runs.started_at >= started_at, runs.id != run_id
            )
            changed = int((await connection.execute(since)).scalar_one())
        return LastFullRun(id=run_id, started_at=started_at, items=items, recipe=recipe, changed_since=changed)
