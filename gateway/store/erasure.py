"""The erasure queries: an end user's interactions, the feedback they gave, review tasks left about nobody,
and the copies of the user's texts in the review tasks that stay."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.chunks import chunks
from gateway.store.current_feedback import has_current_negative
from gateway.store.interaction_removal import IN_CHUNK, one_of
from gateway.store.review_copies import drop_task_copies
from gateway.store.tables import (
    feedback,
    fix_links,
    interactions,
    review_decisions,
    review_events,
    review_task_interactions,
    review_task_tags,
    review_tasks,
)


async def interactions_of_user(connection: AsyncConnection, forms: Sequence[str], limit: int) -> list[str]:
    """Ids of at most `limit` interactions of the end user stored under any of `forms` (by the end_user index)."""
    i = interactions.c
    query = select(i.id).where(i.end_user.in_(list(forms))).order_by(i.id).limit(limit)
    return list((await connection.execute(query)).scalars())


async def interactions_rated_by(connection: AsyncConnection, forms: Sequence[str]) -> list[str]:
    """Ids of the interactions the end user (stored under any of `forms`) gave feedback on (by the user_id index)."""
    query = select(feedback.c.interaction_id).where(feedback.c.user_id.in_(list(forms))).distinct()
    return sorted((await connection.execute(query)).scalars())


async def without_complaints(connection: AsyncConnection, interaction_ids: Sequence[str]) -> list[str]:
    """Those of `interaction_ids` (still stored) on which no voter's current feedback is negative, sorted."""
    i = interactions.c
    found: list[str] = []
    for chunk in chunks(sorted(set(interaction_ids)), IN_CHUNK):
        query = select(i.id).where(one_of(connection, i.id, chunk), ~has_current_negative(i.id))
        found.extend((await connection.execute(query)).scalars())
    return sorted(found)


async def delete_feedback_by(connection: AsyncConnection, forms: Sequence[str]) -> int:
    """Delete every feedback event the end user (stored under any of `forms`) gave; how many there were."""
    result = await connection.execute(delete(feedback).where(feedback.c.user_id.in_(list(forms))))
    return result.rowcount or 0


async def tasks_holding(connection: AsyncConnection, interaction_ids: Sequence[str]) -> set[str]:
    """The review tasks that hold any of `interaction_ids`."""
    found: set[str] = set()
    link = review_task_interactions.c
    for chunk in chunks(list(interaction_ids), IN_CHUNK):
        query = select(link.task_id).where(one_of(connection, link.interaction_id, chunk))
        found.update((await connection.execute(query)).scalars())
    return found


async def delete_tasks_about_nobody(connection: AsyncConnection, task_ids: Sequence[str]) -> int:
    """Delete those of `task_ids` that hold no interaction any more and concern no issue; how many.

    Such a task was about the removed interactions alone (a flagged, held or anomalous answer),
    and its evidence and events may quote them: it goes with its tags, decisions and events. A
    fix that resolved it keeps its link to the issue, without the task. The tasks that stay lose
    every copy of the removed interactions in their suggested action, evidence and events
    (gateway.store.review_copies). Run in the removal's transaction, after the interactions went.
    """
    t = review_tasks.c
    still_held = exists().where(review_task_interactions.c.task_id == t.id)
    removed = 0
    for chunk in chunks(sorted(task_ids), IN_CHUNK):
        query = select(t.id).where(t.id.in_(chunk), t.issue_id.is_(None), ~still_held)
        gone = list((await connection.execute(query)).scalars())
        if not gone:
            continue
        for table, column in (
            (review_task_tags, review_task_tags.c.task_id),
            (review_decisions, review_decisions.c.task_id),
            (review_events, review_events.c.task_id),
        ):
            await connection.execute(delete(table).where(column.in_(gone)))
        await connection.execute(update(fix_links).where(fix_links.c.task_id.in_(gone)).values(task_id=None))
        removed += (await connection.execute(delete(review_tasks).where(t.id.in_(gone)))).rowcount or 0
    await drop_task_copies(connection, task_ids)
    return removed
