"""The review task repository: opening or updating tasks, changing one under its lock, reading them back.

The change itself (one task under its lock, inside a transaction) is gateway.store.review_task_changes,
which the fix store (gateway.store.task_fixes) runs inside its own transactions too.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select

from gateway.review.judged_choice import JudgedAnswers
from gateway.review.people import same_person
from gateway.review.records import UNFINISHED
from gateway.store import audit, call_claims
from gateway.store.call_claims import ClaimOutcome
from gateway.store.chunks import chunks
from gateway.store.folded_text import tag_key
from gateway.store.idempotency import KeyClaim, KeyUse, claim_key, key_use
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.review_opening import OpeningPlan, open_or_update, open_task_for
from gateway.store.review_task_changes import active_issue_guard, change_task, judged_answers
from gateway.store.review_task_reads import decided_details, task_openings, task_tags
from gateway.store.review_writes import OpenResult, TaskChange, TaskState
from gateway.store.tables import (
    review_decisions,
    review_events,
    review_task_interactions,
    review_task_tags,
    review_tasks,
)

Row = dict[str, Any]
ReviewSort = Literal["queue", "newest"]
ACTIVE = ("open", "in_progress")


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which tasks a listing returns; every field is optional.

    `now` decides which claims have lapsed and which tasks are overdue; the service sets it.
    """

    app: str | None = None
    status: str | None = None  # a Status value, or UNFINISHED for open and in progress alike
    priority: str | None = None
    source: str | None = None
    assignee: str | None = None
    tag: str | None = None
    # Exactly this issue's tasks (as the rules and the merge hand-over ask); a person's filter is `issue_ids`.
    issue_id: str | None = None
    # The tasks about any of these issues: what a filter by issue covers, merges followed (gateway.domain.issue_scope).
    issue_ids: tuple[str, ...] | None = None
    overdue: bool | None = None
    now: datetime | None = None


def priority_rank() -> ColumnElement[int]:
    """0 for high, 1 for medium, 2 for low: the queue's order in SQL."""
    p = review_tasks.c.priority
    return case((p == "high", 0), (p == "medium", 1), else_=2)


def effective_status(status: str, now: datetime) -> ColumnElement[bool]:
    """Tasks whose status, as of `now`, is `status` (or any unfinished one): a lapsed claim counts as open again."""
    c = review_tasks.c
    if status == UNFINISHED:
        return c.status.in_(ACTIVE)
    leased = and_(c.lease_expires_at.is_not(None), c.lease_expires_at > now)
    if status == "open":
        return or_(c.status == "open", and_(c.status == "in_progress", ~leased))
    if status == "in_progress":
        return and_(c.status == "in_progress", leased)
    return c.status == status


async def spellings_of(connection: AsyncConnection, assignee: str) -> list[str]:
    """The assignees stored whose names name the same person as `assignee` ("Alice", "alice"…).

    Names compare by Unicode case folding (gateway.review.people), which neither database's lower()
    does alike; the people assigned are few, so they are compared here and the listing asks for them.
    """
    c = review_tasks.c
    stored = await connection.execute(select(c.assignee).where(c.assignee.is_not(None)).distinct())
    return [name for name in stored.scalars() if same_person(name, assignee)]


def _listing(where: ReviewFilter, assignees: Sequence[str] | None = None) -> Select[Any]:
    """The tasks `where` asks for; its assignee as any of `assignees` (the spellings of that person) when given."""
    c = review_tasks.c
    held = (
        select(func.count()).where(review_task_interactions.c.task_id == c.id).correlate(review_tasks).scalar_subquery()
    )
    return _matching(select(review_tasks, held.label("interaction_count")), where, assignees)


def _matching(query: Select[Any], where: ReviewFilter, assignees: Sequence[str] | None = None) -> Select[Any]:
    """`query` narrowed to the tasks `where` asks for (the listing and its count alike), as `_listing` says."""
    c = review_tasks.c
    now = where.now or datetime.now(UTC)
    exact = {c.app: where.app, c.priority: where.priority, c.source: where.source, c.issue_id: where.issue_id}
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if where.issue_ids is not None:
        query = query.where(c.issue_id.in_(where.issue_ids))
    if where.assignee is not None:
        query = query.where(c.assignee.in_(assignees if assignees is not None else [where.assignee]))
    if where.status is not None:
        query = query.where(effective_status(where.status, now))
    if where.tag is not None:
        t = review_task_tags.c
        # A whole tag, in any case, as the knowledge base's tag filter (gateway.store.folded_text).
        query = query.where(exists().where(t.task_id == c.id, t.tag_key == tag_key(where.tag)))
    if where.overdue is not None:
        overdue = and_(c.status.in_(ACTIVE), c.deadline <= now)
        query = query.where(overdue if where.overdue else ~overdue)
    return query


class _NoSuchTask(Exception):
    """A change asked of a task there is not: what `change` raises to roll its key's claim back."""


class ReviewStore:
    """Writes and reads review tasks, their interactions, tags, decisions and events."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert_tags = insert_skipping_duplicates(engine.dialect, review_task_tags, ["task_id", "tag"])

    @property
    def engine(self) -> AsyncEngine:
        """The database this store reads and writes."""
        return self._engine

    async def open_or_update(
        self,
        issue_id: str | None,
        interaction_ids: Sequence[str],
        plan: OpeningPlan,
        *,
        by_rule: bool = True,
        key: KeyClaim | None = None,
    ) -> OpenResult | None:
        """Open a task or update the open one for this issue or these interactions, atomically
        (gateway.store.review_opening.open_or_update, which says what `plan` gets)."""
        return await open_or_update(
            self._engine, self._insert_tags, issue_id, interaction_ids, plan, by_rule=by_rule, key=key
        )

    async def change(
        self,
        task_id: str,
        plan: Callable[[TaskState], TaskChange | None],
        *,
        with_answers: bool = False,
        key: KeyClaim | None = None,
    ) -> bool | KeyUse:
        """Apply `plan`'s change to one task under its lock; False if there is no such task.

        Whatever `plan` raises rolls the transaction back: nothing is written; nor is anything when
        `plan` returns None (the task already is as asked). Raises ActiveIssueTaken when the change
        would give an issue a second open task. `with_answers`: `plan` gets what a decision judges, read
        under the lock (`TaskState.answers`). `key`: an idempotency key claimed first, in the same transaction:
        when an earlier request holds it, nothing is written and its use is returned (a refused change, or no
        such task, leaves the key unclaimed).
        """
        with active_issue_guard(task_id):
            try:
                async with self._engine.begin() as connection:
                    if key is not None and (earlier := await claim_key(connection, key, datetime.now(UTC))):
                        return earlier
                    found, change = await change_task(connection, task_id, plan, with_answers=with_answers)
                    if not found:
                        raise _NoSuchTask  # rolls the key's claim back
                    if change is not None and change.audit is not None:
                        await audit.append(connection, change.audit)
            except _NoSuchTask:
                return False
        return True

    async def wait_for_changes(self, task_id: str) -> None:
        """Return once no change of the task is under way: one that took its lock before this commits first."""
        c = review_tasks.c
        async with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A share lock waits for the row lock a change holds, and writes no new row version.
                await connection.execute(select(c.id).where(c.id == task_id).with_for_update(read=True))
            else:
                # SQLite has no row locks: the no-op UPDATE `change` starts with takes the write lock.
                await connection.execute(update(review_tasks).where(c.id == task_id).values(round=c.round))

    async def get(self, task_id: str) -> Row | None:
        """One task with its tags, interaction ids, every decision and every event (oldest first)."""
        async with self._engine.connect() as connection:
            query = select(review_tasks).where(review_tasks.c.id == task_id)
            found = (await connection.execute(query)).mappings().first()
            if found is None:
                return None
            row = dict(found)
            row["tags"] = (await task_tags(connection, [task_id])).get(task_id, [])
            i = review_task_interactions.c
            held = select(i.interaction_id).where(i.task_id == task_id).order_by(i.added_at, i.interaction_id)
            row["interaction_ids"] = list((await connection.execute(held)).scalars())
            row["interaction_count"] = len(row["interaction_ids"])
            d, e = review_decisions.c, review_events.c
            decisions = select(review_decisions).where(d.task_id == task_id).order_by(d.id)
            row["decisions"] = [dict(r) for r in (await connection.execute(decisions)).mappings()]
            events = select(review_events).where(e.task_id == task_id).order_by(e.id)
            row["events"] = [dict(r) for r in (await connection.execute(events)).mappings()]
        return row

    async def list(self, where: ReviewFilter, sort: ReviewSort, limit: int, offset: int = 0) -> list[Row]:
        """Tasks matching `where` in queue order (priority, then deadline) or newest first, with their tags."""
        c = review_tasks.c
        order = [priority_rank(), c.deadline, c.id] if sort == "queue" else [c.id.desc()]
        async with self._engine.connect() as connection:
            people = None if where.assignee is None else await spellings_of(connection, where.assignee)
            query = _listing(where, people).order_by(*order).limit(limit).offset(offset)
            rows = [dict(row) for row in (await connection.execute(query)).mappings()]
            tags = await task_tags(connection, [row["id"] for row in rows])
            decided = await decided_details(connection, [row["id"] for row in rows if row["status"] == "resolved"])
        for row in rows:
            row["tags"] = tags.get(row["id"], [])
            row["decided_details"] = decided.get(row["id"], [])
        return rows

    async def count(self, where: ReviewFilter) -> int:
        """How many tasks match `where`, by the conditions `list` reads them with."""
        async with self._engine.connect() as connection:
            people = None if where.assignee is None else await spellings_of(connection, where.assignee)
            query = _matching(select(func.count()).select_from(review_tasks), where, people)
            return int((await connection.execute(query)).scalar_one())

    async def key_use(self, scope: str, key: str) -> KeyUse | None:
        """The task an opening made under idempotency `key` of `scope` (None: none did)."""
        async with self._engine.connect() as connection:
            return await key_use(connection, scope, key)

    async def claim_call(self, claim: KeyClaim, made_scope: str, now: datetime, stale_before: datetime) -> ClaimOutcome:
        """Claim a key for a call under way, before its opening (gateway.store.call_claims.claim_call)."""
        return await call_claims.claim_call(self._engine, claim, made_scope, now, stale_before)

    async def renew_call(self, scope: str, key: str, claimant: str, now: datetime) -> bool:
        """Keep a call's claim alive; False when it was taken over (gateway.store.call_claims.renew_call)."""
        return await call_claims.renew_call(self._engine, scope, key, claimant, now)

    async def release_call(self, scope: str, key: str, claimant: str) -> None:
        """Drop a call's claim on a key (gateway.store.call_claims.release_call)."""
        await call_claims.release_call(self._engine, scope, key, claimant)

    async def open_task_for(
        self, issue_id: str | None, interaction_ids: Sequence[str], *, by_rule: bool = True
    ) -> Row | None:
        """The open task an opening for this issue or these interactions would update (read without locking)."""
        async with self._engine.connect() as connection:
            return await open_task_for(connection, issue_id, list(interaction_ids), lock=False, by_rule=by_rule)

    async def interaction_ids(self, task_id: str) -> builtins.list[str]:
        """Every interaction `task_id` holds."""
        i = review_task_interactions.c
        async with self._engine.connect() as connection:
            return list((await connection.execute(select(i.interaction_id).where(i.task_id == task_id))).scalars())

    async def judged_answers(self, task_id: str) -> JudgedAnswers:
        """How many interactions `task_id` holds, with the stored answer of the one it holds (read without locking:
        a first look; a decision reads it again under the task's lock, `change(with_answers=True)`)."""
        async with self._engine.connect() as connection:
            return await judged_answers(connection, task_id)

    async def task_holding(self, interaction_id: str) -> str | None:
        """The id of the task that holds (or held) `interaction_id`, if any."""
        i = review_task_interactions.c
        async with self._engine.connect() as connection:
            return (await connection.execute(select(i.task_id).where(i.interaction_id == interaction_id))).scalar()

    async def issues_with_tasks(self, issue_ids: Sequence[str]) -> set[str]:
        """Those of `issue_ids` that some task (open or closed) was ever opened for."""
        found: set[str] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(issue_ids)):
                query = select(review_tasks.c.issue_id).where(review_tasks.c.issue_id.in_(chunk)).distinct()
                found.update((await connection.execute(query)).scalars())
        return found

    async def openings(self, issue_ids: Sequence[str], limit: int) -> builtins.list[Row]:
        """The "opened" events of the tasks on `issue_ids` (task_id, created_at, actor, reason), the latest `limit`."""
        if not issue_ids:
            return []
        async with self._engine.connect() as connection:
            return await task_openings(connection, list(issue_ids), limit)

    async def issues_with_open_tasks(self, app: str) -> set[str]:
        """`app`'s issues that have an open task (of any source), as the one-open-task-per-issue column names them."""
        c = review_tasks.c
        query = select(c.active_issue_id).where(c.app == app, c.active_issue_id.is_not(None))
        async with self._engine.connect() as connection:
            return set((await connection.execute(query)).scalars())
