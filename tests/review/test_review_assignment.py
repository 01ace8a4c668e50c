"""Assignment: who is responsible for a task; naming the one already responsible changes nothing."""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.review.errors import TaskConflict
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService
from gateway.store.audit import AuditFilter, AuditStore


async def open_task(engine, reviews: ReviewService) -> str:
    ids = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.FLAGGED,
        reason="The app flagged this answer for review",
        priority=Priority.MEDIUM,
        interaction_ids=ids,
    )
    return opened.task.task.id


async def assignments(engine, task_id: str) -> list[tuple[str, str]]:
    """The task's assignments in the audit log, oldest first: (actor, new assignee)."""
    records = await AuditStore(engine).list(AuditFilter(subject_id=task_id, action="review.assign"), 10)
    return [(r.actor, r.after["assignee"]) for r in reversed(records)]


async def test_an_assignment_is_recorded_as_an_event_and_in_the_audit_log(engine, reviews):
    task_id = await open_task(engine, reviews)

    assigned = await reviews.assign(task_id, "carol", actor="lead")

    assert assigned.task.assignee == "carol"
    assert [(e.kind, e.actor, e.detail) for e in assigned.events[1:]] == [
        ("assigned", "lead", {"from": None, "to": "carol"})
    ]
    assert await assignments(engine, task_id) == [("lead", "carol")]


async def test_assigning_the_current_assignee_again_records_no_event_and_no_audit_entry(engine, reviews):
    task_id = await open_task(engine, reviews)
    first = await reviews.assign(task_id, "carol", actor="lead")

    again = await reviews.assign(task_id, "carol", actor="dora")

    assert again == first
    assert await assignments(engine, task_id) == [("lead", "carol")]


async def test_unassigning_a_task_nobody_holds_records_nothing(engine, reviews):
    task_id = await open_task(engine, reviews)

    unassigned = await reviews.assign(task_id, None, actor="lead")

    assert unassigned.task.assignee is None
    assert [e.kind for e in unassigned.events] == ["opened"]
    assert await assignments(engine, task_id) == []


async def test_the_claimant_assigned_to_the_task_they_claimed_records_no_assignment(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    assigned = await reviews.assign(task_id, "alice", actor="lead")

    assert [e.kind for e in assigned.events] == ["opened", "claimed"]
    assert await assignments(engine, task_id) == []


async def test_a_closed_task_still_refuses_its_own_assignee(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.assign(task_id, "carol", actor="lead")
    await reviews.dismiss(task_id, "lead", "duplicate")

    with pytest.raises(TaskConflict, match="reopen it first"):
        await reviews.assign(task_id, "carol", actor="lead")
