"""A person's task naming an issue takes the complaints the issue holds when the opening's lock is taken (both
databases).

The issue's complaints were read before the opening took its lock (ReviewService._with_complaints): a complaint the
issue gained meanwhile was left out of the task, and one it lost was taken all the same. They are read under the lock,
in the transaction that writes the task. Two people opening tasks on one issue at once hold each complaint once (which
held the complaints was read under the lock before as well; the race keeps it so now that the complaints are too).
"""

from __future__ import annotations

import asyncio
from collections import Counter

from issue_rows import store_issue
from review_seed import store_interactions
from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from test_issue_task_takes_complaints import APP

from gateway.config import Settings
from gateway.review.errors import TaskConflict
from gateway.review.levels import ServiceLevels
from gateway.review.records import Priority
from gateway.review.service import ReviewService
from gateway.store.engine import create_engine
from gateway.store.locks import advisory_key
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.review_opening import OPENING_LOCK
from gateway.store.reviews import ReviewStore
from gateway.store.tables import issue_members, review_task_interactions


def service(engine: AsyncEngine) -> ReviewService:
    # Its levels built here: `conftest` is the admin pages' when a run collects both folders.
    levels = ServiceLevels.from_settings(Settings(review_second_opinion_share=0.0))
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), levels)


async def open_on_issue(reviews: ReviewService, person: str) -> object:
    return await reviews.open_manual(
        app=APP, reason=f"{person} looks at the fees", priority=Priority.MEDIUM, interaction_ids=[], issue_id="fees",
        tags=[], evidence=None, actor=person,
    )  # fmt: skip


async def held_counts(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as connection:
        held = await connection.execute(select(review_task_interactions.c.interaction_id))
        return Counter(held.scalars())


async def test_two_people_opening_tasks_on_one_issue_at_once_hold_each_complaint_once(database_url, engine):
    ids = await store_interactions(engine, 6, app=APP)
    await store_issue(engine, APP, "fees", ids)
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        results = await asyncio.gather(
            open_on_issue(service(first), "rita"), open_on_issue(service(second), "otto"), return_exceptions=True
        )
    finally:
        await first.dispose()
        await second.dispose()

    assert all(not isinstance(r, Exception) or isinstance(r, TaskConflict) for r in results), results
    assert await held_counts(engine) == Counter(dict.fromkeys(ids, 1))


async def _take_opening_lock(connection: AsyncConnection) -> None:
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(OPENING_LOCK)})
    else:
        await connection.execute(text("UPDATE review_tasks SET round = 1 WHERE id IS NULL"))


async def _waits_for_a_lock(engine: AsyncEngine) -> None:
    """Return once another session waits for a lock (PostgreSQL), or after a while (SQLite shows no waiters)."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(1.0)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(200):
        async with engine.connect() as connection:
            if (await connection.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the opening never waited for the lock")


async def test_a_complaint_the_issue_gains_while_the_opening_waits_for_its_lock_is_taken(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await store_issue(engine, APP, "fees", ids[:2])
    async with engine.begin() as holder:
        # Another opening (or a clustering pass's hand-over) holds the lock; the issue gains a complaint meanwhile.
        await _take_opening_lock(holder)
        opening = asyncio.create_task(open_on_issue(service(engine), "rita"))
        await _waits_for_a_lock(engine)
        await holder.execute(insert(issue_members).values(issue_id="fees", interaction_id=ids[2]))
    opened = await opening

    assert sorted(opened.task.interaction_ids) == sorted(ids)


async def test_a_complaint_the_issue_loses_while_the_opening_waits_for_its_lock_is_left_out(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await store_issue(engine, APP, "fees", ids)
    async with engine.begin() as holder:
        await _take_opening_lock(holder)
        opening = asyncio.create_task(open_on_issue(service(engine), "rita"))
        await _waits_for_a_lock(engine)
        # A clustering pass moved it to another issue meanwhile.
        await holder.execute(
            delete(issue_members).where(issue_members.c.issue_id == "fees", issue_members.c.interaction_id == ids[2])
        )
    opened = await opening

    assert sorted(opened.task.interaction_ids) == sorted(ids[:2])
