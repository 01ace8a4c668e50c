"""Where a held answer's body is stored, and replacing each copy of it by its redacted text.

The confidence gate stores the held answer in the task's evidence, and the task's "opened" event
keeps a copy of that evidence (gateway.review.held_answer); an "updated" event copies the evidence
it was given, so it is looked at too. Decided events and the audit log name the answer's sha256
only, and the decision webhook's body (never stored) names no answer. A decided event may keep a
reviewer's correction as written for the app (``exact_correction``, gateway.review.reviewer_text):
that copy is set to null in the same transaction as the held answer's are replaced.

A task whose copies were replaced gets a `REDACTED_EVENT` event in the same transaction: finding
the tasks still to look at is then a query on indexed columns (the task's "held" tag, the events'
task id), without reading any JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.review.held_answer import EXACT_CORRECTION_KEY, HELD_KEY, HELD_TAG, REDACTED_KEY, keeps_exact_correction
from gateway.store.tables import review_events, review_task_tags, review_tasks

Row = dict[str, Any]
# The event recording that a task's held answer was redacted (its detail: the sha256 and the rules that fired).
REDACTED_EVENT = "redacted"
ACTOR = "system:redaction"
# The events whose detail copies the evidence they were written with (gateway.review.opening).
EVIDENCE_EVENTS = ("opened", "updated")
# The events whose detail may keep a reviewer's exact correction (gateway.review.lifecycle.decide).
DECIDED_EVENT = "decided"


class HeldAnswerStore:
    """Reads held answers' tasks and replaces their stored copies."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def unredacted(self, after: str, limit: int) -> list[tuple[str, datetime]]:
        """Up to `limit` tasks tagged as holding an answer, with ids after `after`, that no redaction marks yet.

        In id order (task ids are UUIDv7: creation order), each with its creation time.
        """
        t, tag, e = review_tasks.c, review_task_tags.c, review_events.c
        held = exists().where(tag.task_id == t.id, tag.tag == HELD_TAG)
        redacted = exists().where(e.task_id == t.id, e.kind == REDACTED_EVENT)
        query = select(t.id, t.created_at).where(t.id > after, held, ~redacted).order_by(t.id).limit(limit)
        async with self._engine.connect() as connection:
            return [(task_id, created_at) for task_id, created_at in await connection.execute(query)]

    async def held_state(self, task_id: str) -> tuple[Any, list[Row]] | None:
        """A task's evidence and its events (oldest first, as review event rows); None when there is no such task."""
        t, e = review_tasks.c, review_events.c
        async with self._engine.connect() as connection:
            found = (await connection.execute(select(t.evidence).where(t.id == task_id))).first()
            if found is None:
                return None
            events = select(review_events).where(e.task_id == task_id).order_by(e.id)
            return found[0], [dict(row) for row in (await connection.execute(events)).mappings()]

    async def replace(self, task_id: str, sha256: str, redacted: Row, at: datetime) -> bool:
        """Replace every unredacted copy of the held answer hashing to `sha256` by `redacted`, under the task's lock,
        and drop every exact correction its decided events keep.

        Records a `REDACTED_EVENT` with what was replaced. False, writing nothing, when no such
        copy is left (another process redacted it first, or the task is gone).
        """
        t, e = review_tasks.c, review_events.c
        # A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before anything is read.
        lock = update(review_tasks).where(t.id == task_id).values(round=t.round).returning(t.evidence)
        async with self._engine.begin() as connection:
            locked = (await connection.execute(lock)).first()
            if locked is None:
                return False
            evidence = _swapped(locked[0], sha256, redacted)
            kinds = (*EVIDENCE_EVENTS, DECIDED_EVENT)
            events = select(e.id, e.kind, e.detail).where(e.task_id == task_id, e.kind.in_(kinds))
            details = []
            for event_id, kind, detail in await connection.execute(events):
                if kind == DECIDED_EVENT:
                    if keeps_exact_correction(detail):
                        details.append((event_id, {**detail, EXACT_CORRECTION_KEY: None}))
                    continue
                copy = detail.get("evidence") if isinstance(detail, dict) else None
                swapped = _swapped(copy, sha256, redacted)
                if swapped is not copy:
                    details.append((event_id, {**detail, "evidence": swapped}))
            if evidence is locked[0] and not details:
                return False
            if evidence is not locked[0]:
                await connection.execute(update(review_tasks).where(t.id == task_id).values(evidence=evidence))
            for event_id, detail in details:
                await connection.execute(update(review_events).where(e.id == event_id).values(detail=detail))
            note = {"held_answer_sha256": sha256, REDACTED_KEY: redacted[REDACTED_KEY]}
            values = {"task_id": task_id, "created_at": at, "actor": ACTOR, "kind": REDACTED_EVENT, "detail": note}
            await connection.execute(insert(review_events).values(**values))
        return True


def _swapped(evidence: Any, sha256: str, redacted: Row) -> Any:
    """`evidence` with its held answer replaced by `redacted` if it is the unredacted one hashing to `sha256`.

    Returns `evidence` itself (the same object) when there is nothing to replace.
    """
    held = evidence.get(HELD_KEY) if isinstance(evidence, dict) else None
    if not isinstance(held, dict) or held.get("sha256") != sha256 or REDACTED_KEY in held:
        return evidence
    return {**evidence, HELD_KEY: redacted}
