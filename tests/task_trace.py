"""Everything a request on a review task can leave behind, read straight from the database: to show a refused one left
nothing (the task row with its claim, its events and decisions, the audit chain, fixes, links, idempotency keys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import (
    audit_log,
    fix_links,
    idempotency_keys,
    knowledge_entries,
    prompt_deployments,
    prompt_versions,
    review_decisions,
    review_events,
    review_tasks,
)

COUNTED = (audit_log, fix_links, idempotency_keys, knowledge_entries, prompt_versions, review_decisions)


async def task_trace(engine: AsyncEngine, task_id: str) -> dict[str, Any]:
    """The task's row, its events and the rows of every table a fix or decision writes (counted)."""
    async with engine.connect() as connection:
        row = (await connection.execute(select(review_tasks).where(review_tasks.c.id == task_id))).mappings().one()
        events = select(review_events.c.kind, review_events.c.actor).where(review_events.c.task_id == task_id)
        trace: dict[str, Any] = {
            "task": dict(row),
            "events": [tuple(event) for event in (await connection.execute(events.order_by(review_events.c.id)))],
            "deployments": [tuple(d) for d in await connection.execute(select(prompt_deployments))],
        }
        for table in COUNTED:
            trace[table.name] = (await connection.execute(select(func.count()).select_from(table))).scalar_one()
    return trace
