"""Changing one review task under its lock, inside a caller's transaction: the task repository's and the fix
store's shared write (gateway.store.reviews, gateway.store.task_fixes), and the event every write records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import uuid_utils
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.records import AuditEntry
from gateway.review.judged_choice import JudgedAnswers
from gateway.store import audit
from gateway.store.review_writes import EventWrite, TaskChange, TaskState
from gateway.store.stored_order import take_numbers
from gateway.store.tables import interactions, review_decisions, review_events, review_task_interactions, review_tasks


class ActiveIssueTaken(Exception):
    """Another open task already concerns this task's issue."""


@contextmanager
def active_issue_guard(task_id: str) -> Iterator[None]:
    """Turns the database refusing an issue's second open task into ActiveIssueTaken."""
    try:
        yield
    except IntegrityError as exc:
        if "active_issue_id" in str(exc.orig):
            raise ActiveIssueTaken(task_id) from None
        raise


async def change_task(
    connection: AsyncConnection,
    task_id: str,
    plan: Callable[[TaskState], TaskChange | None],
    *,
    with_answers: bool = False,
) -> tuple[bool, TaskChange | None]:
    """Apply `plan`'s change to one task under its lock, inside the caller's transaction, which appends the
    change's audit record last; (whether the task exists, the change written or None).

    `with_answers`: `plan` gets what a decision judges (`TaskState.answers`), read under the lock, so a change
    to the task committed before the lock was taken (an interaction added) is the one judged.
    """
    c = review_tasks.c
    # A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before anything is read.
    lock = update(review_tasks).where(c.id == task_id).values(round=c.round).returning(*review_tasks.c)
    locked = (await connection.execute(lock)).mappings().first()
    if locked is None:
        return False, None
    row = dict(locked)
    d = review_decisions.c
    this_round = select(review_decisions).where(d.task_id == task_id, d.round == row["round"]).order_by(d.id)
    decisions = [dict(r) for r in (await connection.execute(this_round)).mappings()]
    rival = None
    if row["issue_id"] is not None:
        others = select(c.id).where(c.active_issue_id == row["issue_id"], c.id != task_id)
        rival = (await connection.execute(others)).scalar()
    answers = await judged_answers(connection, task_id) if with_answers else None
    change = plan(TaskState(row, decisions, rival, answers))
    if change is None:
        return True, None
    await connection.execute(update(review_tasks).where(c.id == task_id).values(updated_at=change.at, **change.values))
    if change.decision is not None:
        decision = change.decision
        # Its place in the stored order the export follows (gateway.store.stored_order), taken under the task's
        # lock just before the row goes in and held to the commit; the audit head, which every transaction takes
        # last, comes after it, so two deciding transactions always take the two in the same order.
        number = await connection.run_sync(take_numbers, review_decisions, 1) + 1
        await connection.execute(
            insert(review_decisions).values(
                stored_seq=number,
                id=str(uuid_utils.uuid7()),
                task_id=task_id,
                round=row["round"],
                reviewer=decision.reviewer,
                outcome=decision.outcome,
                correction=decision.correction,
                comment=decision.comment,
                choice=decision.choice,
                created_at=change.at,
            )
        )
    await record_event(connection, task_id, change.at, change.event, None)
    return True, change


async def judged_answers(connection: AsyncConnection, task_id: str) -> JudgedAnswers:
    """How many interactions `task_id` holds, with the stored answer of the one it holds (for a decision's choice)."""
    held, i = review_task_interactions.c, interactions.c
    first = select(func.min(held.interaction_id)).where(held.task_id == task_id).scalar_subquery()
    query = select(
        select(func.count()).where(held.task_id == task_id).scalar_subquery(),
        select(i.response).where(i.id == first).scalar_subquery(),
        exists().where(i.id == first),
        select(review_tasks.c.evidence).where(review_tasks.c.id == task_id).scalar_subquery(),
    )
    interactions_held, response, stored, evidence = (await connection.execute(query)).one()
    one = interactions_held == 1
    return JudgedAnswers(task_id, interactions_held, response if one else None, bool(stored), evidence)


async def record_event(
    connection: AsyncConnection, task_id: str, at: datetime, event: EventWrite, entry: AuditEntry | None
) -> None:
    """The task's event, then its audit record: the audit append is the transaction's last statement."""
    values = {"task_id": task_id, "created_at": at, "actor": event.actor, "kind": event.kind, "detail": event.detail}
    await connection.execute(insert(review_events).values(**values))
    if entry is not None:
        await audit.append(connection, entry)
