"""What a review task's listing reads beside its row (its tags, the details of its decided events); tasks' openings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.chunks import chunks
from gateway.store.tables import review_events, review_task_tags, review_tasks


async def task_tags(connection: AsyncConnection, task_ids: list[str]) -> dict[str, list[str]]:
    """Each task's tags, sorted."""
    t = review_task_tags.c
    tags: dict[str, list[str]] = {}
    for chunk in chunks(task_ids):
        query = select(t.task_id, t.tag).where(t.task_id.in_(chunk)).order_by(t.task_id, t.tag)
        for task_id, tag in await connection.execute(query):
            tags.setdefault(task_id, []).append(tag)
    return tags


async def decided_details(connection: AsyncConnection, task_ids: list[str]) -> dict[str, list[Any]]:
    """Each task's decided events' details, oldest first: what says whether a fix resolved it."""
    found: dict[str, list[Any]] = {}
    e = review_events.c
    for chunk in chunks(task_ids):
        query = select(e.task_id, e.detail).where(e.task_id.in_(chunk), e.kind == "decided").order_by(e.id)
        for task_id, detail in (await connection.execute(query)).all():
            found.setdefault(task_id, []).append(detail)
    return found


async def task_openings(connection: AsyncConnection, issue_ids: list[str], limit: int) -> list[dict[str, Any]]:
    """The "opened" events of the tasks on `issue_ids`, the latest `limit`, newest first: task_id, created_at, actor, reason."""
    e, t = review_events.c, review_tasks.c
    query = (
        select(e.task_id, e.created_at, e.actor, t.reason)
        .join(review_tasks, t.id == e.task_id)
        .where(t.issue_id.in_(issue_ids), e.kind == "opened")
        .order_by(e.created_at.desc(), e.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in (await connection.execute(query)).mappings()]
