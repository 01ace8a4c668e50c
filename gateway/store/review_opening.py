"""Opening a review task, or updating the open one, under the one lock every opening takes (gateway.store.reviews'
`open_or_update`): what is read under that lock, and the write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Insert

from gateway.review.records import ACTIVE_STATUSES, Source
from gateway.store.chunks import chunks
from gateway.store.folded_text import tag_key
from gateway.store.idempotency import KeyClaim, claim_key, key_use
from gateway.store.issues import member_ids
from gateway.store.locks import advisory_key
from gateway.store.review_task_changes import record_event
from gateway.store.review_writes import OpenResult, TaskOpening
from gateway.store.tables import review_events, review_task_interactions, review_tasks

Row = dict[str, Any]
# Opening tasks is serialized across processes, so two rules never open two tasks for one thing.
OPENING_LOCK = "feedgate.review.opening"
# plan(existing, wanted, fresh, told): see `open_or_update`.
OpeningPlan = Callable[[Row | None, list[str], list[str], dict[str, Row]], TaskOpening | None]
_ACTIVE = sorted(status.value for status in ACTIVE_STATUSES)


async def open_or_update(
    engine: AsyncEngine,
    insert_tags: Insert,
    issue_id: str | None,
    interaction_ids: Sequence[str],
    plan: OpeningPlan,
    *,
    by_rule: bool = True,
    key: KeyClaim | None = None,
) -> OpenResult | None:
    """Open a task or update the open one for this issue or these interactions, atomically.

    `by_rule`: a rule opens it, so a person's task is not taken for sharing interactions (`open_task_for`),
    and names the interactions it found itself; a person's task naming an issue concerns the issue's complaints
    too, read under the opening's lock with the rest (an issue gains and loses complaints as clustering runs).
    `key`: an idempotency key claimed in the same transaction for the task written (its
    `subject_id` is replaced by that task's id); when an earlier opening claimed it, nothing is
    written and the result names that opening's task (`earlier`).
    `plan(existing, wanted, fresh, told)` gets the open task to update (None: open a new one; its
    `interaction_ids` entry: every interaction it holds), every interaction the task concerns, those of them no
    task has held yet, and what each source last told of the task (its latest opened or updated event's detail, by
    source), all read under the opening's lock; it returns what to write, or None (whatever it raises writes nothing).
    """
    wanted = list(dict.fromkeys(interaction_ids))
    async with engine.begin() as connection:
        await _serialize_opening(connection)
        # Openings are serialized: a key read as unused here is still unused when claimed below.
        if key is not None and (earlier := await key_use(connection, key.scope, key.key)) is not None:
            return OpenResult(earlier.subject_id, False, (), (), earlier)
        if not by_rule and issue_id is not None:
            wanted = list(dict.fromkeys([*wanted, *await member_ids(connection, issue_id)]))
        existing = await open_task_for(connection, issue_id, wanted, by_rule=by_rule)
        if existing is not None:
            # What a suggested action weighs with the task's own interactions (gateway.review.weighing).
            existing["interaction_ids"] = await _task_interactions(connection, existing["id"])
        held = await _held(connection, wanted)
        fresh = [i for i in wanted if i not in held]
        told = await _told_by_source(connection, existing["id"]) if existing is not None else {}
        opening = plan(existing, wanted, fresh, told)
        if opening is None:
            return None
        c = review_tasks.c
        if opening.created:
            await connection.execute(insert(review_tasks).values(id=opening.task_id, **opening.values))
        else:
            await connection.execute(update(review_tasks).where(c.id == opening.task_id).values(**opening.values))
        rows = [{"interaction_id": i, "task_id": opening.task_id, "added_at": opening.at} for i in fresh]
        for chunk in chunks(rows):
            await connection.execute(insert(review_task_interactions), list(chunk))
        if opening.tags:
            tags = [{"task_id": opening.task_id, "tag": tag, "tag_key": tag_key(tag)} for tag in opening.tags]
            await connection.execute(insert_tags, tags)
        await record_event(connection, opening.task_id, opening.at, opening.event, opening.audit)
        if key is not None:
            await claim_key(connection, replace(key, subject_id=opening.task_id), opening.at)
    return OpenResult(opening.task_id, opening.created, tuple(fresh), tuple(i for i in wanted if i in held))


async def _serialize_opening(connection: AsyncConnection) -> None:
    """Wait for any other opening to commit: an advisory lock on PostgreSQL, the write lock on SQLite."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(OPENING_LOCK)})
    else:
        # An UPDATE that matches nothing still takes SQLite's write lock, before anything is read.
        await connection.execute(update(review_tasks).where(review_tasks.c.id.is_(None)).values(round=1))


async def open_task_for(
    connection: AsyncConnection, issue_id: str | None, ids: list[str], *, lock: bool = True, by_rule: bool = True
) -> Row | None:
    """The open task for `issue_id`, else the oldest open task holding one of the interactions `ids`.

    A task found by its interactions is only taken when it concerns no issue or this same issue, and,
    for a rule, when a rule opened it: a person's task keeps their reason and chosen answers, and the
    rule opens its own (without the interactions theirs holds: none is ever held twice).
    """
    c = review_tasks.c
    candidates = []
    if issue_id is not None:
        candidates.append(select(review_tasks).where(c.active_issue_id == issue_id))
    i = review_task_interactions.c
    for chunk in chunks(ids):
        holding = select(i.task_id).where(i.interaction_id.in_(chunk))
        query = select(review_tasks).where(c.id.in_(holding), c.status.in_(_ACTIVE)).order_by(c.id).limit(1)
        if issue_id is not None:
            query = query.where(or_(c.issue_id.is_(None), c.issue_id == issue_id))
        if by_rule:
            query = query.where(c.source != Source.MANUAL)
        candidates.append(query)
    for query in candidates:
        if lock:
            query = query.with_for_update()
        found = (await connection.execute(query)).mappings().first()
        if found is not None:
            return dict(found)
    return None


async def _task_interactions(connection: AsyncConnection, task_id: str) -> list[str]:
    i = review_task_interactions.c
    return list((await connection.execute(select(i.interaction_id).where(i.task_id == task_id))).scalars())


async def _held(connection: AsyncConnection, interaction_ids: list[str]) -> set[str]:
    i = review_task_interactions.c
    held: set[str] = set()
    for chunk in chunks(interaction_ids):
        held.update((await connection.execute(select(i.interaction_id).where(i.interaction_id.in_(chunk)))).scalars())
    return held


# How far back to look for what each source last told of a task: a task has a handful of sources.
_TELLINGS_READ = 50


async def _told_by_source(connection: AsyncConnection, task_id: str) -> dict[str, Row]:
    """Each source's latest opened or updated event detail of the task (newest of the last few events)."""
    e = review_events.c
    newest = (
        select(e.detail)
        .where(e.task_id == task_id, e.kind.in_(("opened", "updated")))
        .order_by(e.id.desc())
        .limit(_TELLINGS_READ)
    )
    told: dict[str, Row] = {}
    for detail in (await connection.execute(newest)).scalars():
        if isinstance(detail, dict) and isinstance(detail.get("source"), str):
            told.setdefault(detail["source"], detail)
    return told
