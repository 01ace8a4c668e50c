"""Service levels: deadlines per priority, the stable second-opinion share, and the estimated wait."""

from __future__ import annotations

from datetime import timedelta

import pytest
from review_seed import store_interactions

from gateway.config import Settings
from gateway.review.levels import ServiceLevels, estimated_wait
from gateway.review.records import Outcome, Priority, Source


async def open_task(engine, reviews, priority: Priority):
    ids = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Please check this answer",
        priority=priority,
        interaction_ids=ids,
    )
    return opened.task


@pytest.mark.parametrize(("priority", "hours"), [(Priority.HIGH, 24), (Priority.MEDIUM, 48), (Priority.LOW, 7 * 24)])
async def test_a_new_tasks_deadline_follows_its_priority(engine, reviews, clock, priority, hours):
    task = await open_task(engine, reviews, priority)

    assert task.task.deadline == clock.now + timedelta(hours=hours)


def test_deadlines_come_from_the_settings():
    levels = ServiceLevels.from_settings(Settings(review_high_deadline_hours=4, review_low_deadline_hours=72))

    assert levels.deadlines == {
        Priority.HIGH: timedelta(hours=4),
        Priority.MEDIUM: timedelta(hours=48),
        Priority.LOW: timedelta(hours=72),
    }


async def test_a_task_past_its_deadline_is_overdue_until_it_is_resolved(engine, reviews, clock):
    task = await open_task(engine, reviews, Priority.HIGH)
    clock.advance(hours=25)

    overdue = await reviews.get(task.task.id)
    resolved = await reviews.decide(task.task.id, "alice", Outcome.APPROVE)

    assert overdue.task.overdue is True
    assert resolved.task.overdue is False


def test_the_second_opinion_share_is_stable_and_close_to_the_setting():
    levels = ServiceLevels.from_settings(Settings(review_second_opinion_share=0.1))
    ids = [f"task-{n}" for n in range(5000)]

    chosen = [task_id for task_id in ids if levels.needs_second_opinion(task_id)]

    assert 0.08 < len(chosen) / len(ids) < 0.12
    assert chosen == [task_id for task_id in ids if levels.needs_second_opinion(task_id)]


def test_the_estimated_wait_is_the_tasks_ahead_plus_itself_at_the_recent_pace():
    # 14 resolved over 7 days: one every 12 hours; 3 ahead, then this one.
    assert estimated_wait(ahead=3, resolved_recently=14, history=timedelta(days=7)) == timedelta(hours=48)


def test_no_estimate_without_recent_resolutions():
    assert estimated_wait(ahead=3, resolved_recently=0, history=timedelta(days=7)) is None


async def test_a_waiting_task_shows_its_estimated_wait(engine, reviews, clock):
    for _ in range(4):
        done = await open_task(engine, reviews, Priority.LOW)
        clock.advance(hours=6)
        await reviews.decide(done.task.id, "alice", Outcome.APPROVE)
    # 4 resolved in the 24 h since the first task: one per 6 hours.
    medium = await open_task(engine, reviews, Priority.MEDIUM)
    older_high = await open_task(engine, reviews, Priority.HIGH)
    newer_high = await open_task(engine, reviews, Priority.HIGH)

    waits = [(await reviews.get(t.task.id)).estimated_wait_minutes for t in (older_high, newer_high, medium)]

    assert waits == [6 * 60, 2 * 6 * 60, 3 * 6 * 60]


async def test_an_empty_queue_has_no_estimate(engine, reviews):
    task = await open_task(engine, reviews, Priority.HIGH)

    assert task.estimated_wait_minutes is None
