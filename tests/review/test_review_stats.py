"""Service-level figures: deadlines met, median time to resolve, overdue now, reviewers, agreement, backlog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from review_seed import store_interactions

from gateway.domain.errors import InvalidQuery
from gateway.review.records import Outcome, Priority, Source


async def open_task(engine, reviews, priority: Priority, app: str = "support-bot") -> str:
    ids = await store_interactions(engine, 1, app=app)
    opened = await reviews.open_or_update(
        app=app, source=Source.MANUAL, reason="Please check this answer", priority=priority, interaction_ids=ids
    )
    return opened.task.task.id


@pytest.fixture
async def queue(engine, reviews, clock) -> dict[str, str]:
    """Four tasks opened together: one resolved in 2 h, one resolved late, one dismissed, one left overdue."""
    tasks = {
        "quick": await open_task(engine, reviews, Priority.HIGH),
        "late": await open_task(engine, reviews, Priority.MEDIUM),
        "dismissed": await open_task(engine, reviews, Priority.LOW),
        "waiting": await open_task(engine, reviews, Priority.HIGH),
    }
    clock.advance(hours=2)
    await reviews.decide(tasks["quick"], "alice", Outcome.APPROVE)
    await reviews.dismiss(tasks["dismissed"], "alice", "duplicate")
    clock.advance(hours=48)
    await reviews.decide(tasks["late"], "bob", Outcome.CORRECT, correction="The fee is 1%.")
    return tasks


async def test_the_share_resolved_within_the_deadline_counts_late_and_overdue_tasks(reviews, queue):
    figures = await reviews.stats()

    assert (figures.opened, figures.resolved, figures.dismissed) == (4, 2, 1)
    assert figures.resolved_within_deadline == 1
    assert figures.within_deadline_rate == pytest.approx(1 / 3)


async def test_the_median_time_to_resolve(reviews, queue):
    figures = await reviews.stats()

    assert figures.median_seconds_to_resolve == timedelta(hours=26).total_seconds()


async def test_the_backlog_now_overdue_and_by_priority(reviews, queue):
    figures = await reviews.stats()

    assert figures.overdue_now == 1
    assert figures.waiting_by_priority == {"high": 1, "medium": 0, "low": 0}


async def test_decisions_per_reviewer(reviews, queue):
    figures = await reviews.stats()

    assert figures.decisions_by_reviewer == {"alice": 1, "bob": 1}


async def test_figures_for_one_app_and_range(engine, reviews, clock, queue):
    await open_task(engine, reviews, Priority.LOW, app="other-bot")

    other = await reviews.stats(app="other-bot")
    before = await reviews.stats(until=clock.now - timedelta(days=10))

    assert (other.opened, other.waiting_by_priority["low"], other.decisions_by_reviewer) == (1, 1, {})
    assert (before.opened, before.within_deadline_rate, before.median_seconds_to_resolve) == (0, None, None)


async def test_agreement_between_two_reviewers_of_the_same_task(engine, double_checked):
    agreed = await open_task(engine, double_checked, Priority.HIGH)
    disputed = await open_task(engine, double_checked, Priority.HIGH)
    for task_id, second in ((agreed, Outcome.APPROVE), (disputed, Outcome.REJECT)):
        await double_checked.decide(task_id, "alice", Outcome.APPROVE)
        await double_checked.decide(task_id, "bob", second)

    figures = await double_checked.stats()

    assert (figures.agreement.pairs, figures.agreement.agreed, figures.agreement.rate) == (2, 1, 0.5)
    assert figures.decisions_by_reviewer == {"alice": 2, "bob": 2}


async def test_a_range_that_ends_before_it_starts_is_refused(reviews, clock):
    with pytest.raises(InvalidQuery):
        await reviews.stats(since=clock.now, until=clock.now - timedelta(days=1))
