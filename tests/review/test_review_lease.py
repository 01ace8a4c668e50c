"""Claims: a lease per reviewer, renewed by its holder, lapsing back to the queue; nobody else decides meanwhile."""

from __future__ import annotations

import asyncio

import pytest
from review_seed import store_interactions

from gateway.review.errors import TaskConflict
from gateway.review.records import Outcome, Priority, Source, Status
from gateway.review.service import ReviewService
from gateway.store.reviews import ReviewFilter


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


async def test_a_claim_leases_the_task_to_its_reviewer_for_the_configured_time(engine, reviews, clock):
    task_id = await open_task(engine, reviews)

    claimed = await reviews.claim(task_id, "alice")

    assert claimed.task.status is Status.IN_PROGRESS
    assert claimed.task.lease.holder == "alice"
    assert claimed.task.lease.expires_at == clock.now + reviews.levels.lease
    assert claimed.task.assignee == "alice"


async def test_a_leased_task_cannot_be_claimed_by_someone_else(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    with pytest.raises(TaskConflict, match="claimed by alice"):
        await reviews.claim(task_id, "bob")


async def test_a_leased_task_cannot_be_decided_by_someone_else(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    with pytest.raises(TaskConflict, match="claimed by alice"):
        await reviews.decide(task_id, "bob", Outcome.APPROVE)


async def test_a_lapsed_lease_returns_the_task_to_the_queue(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    clock.advance(minutes=16)

    task = (await reviews.get(task_id)).task
    assert (task.status, task.lease) == (Status.OPEN, None)
    listed = await reviews.list(ReviewFilter(status="open"), "queue", 10)
    assert [t.id for t in listed.data] == [task_id]
    assert (await reviews.list(ReviewFilter(status="in_progress"), "queue", 10)).data == ()


async def test_after_a_lapse_someone_else_may_claim_and_the_lapse_is_noted(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")
    clock.advance(minutes=16)

    claimed = await reviews.claim(task_id, "bob")

    assert claimed.task.lease.holder == "bob"
    assert claimed.events[-1].detail["lapsed_claim"]["holder"] == "alice"


async def test_the_holder_renews_the_lease(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")
    clock.advance(minutes=10)

    renewed = await reviews.renew(task_id, "alice")

    assert renewed.task.lease.expires_at == clock.now + reviews.levels.lease
    clock.advance(minutes=10)  # 20 minutes after the claim: only the renewal keeps it
    assert (await reviews.get(task_id)).task.lease.holder == "alice"


async def test_only_the_holder_renews_or_releases(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    with pytest.raises(TaskConflict, match="claimed by alice"):
        await reviews.renew(task_id, "bob")
    with pytest.raises(TaskConflict, match="claimed by alice"):
        await reviews.release(task_id, "bob")


async def test_a_lapsed_lease_cannot_be_renewed(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")
    clock.advance(minutes=16)

    with pytest.raises(TaskConflict, match="claim it first"):
        await reviews.renew(task_id, "alice")


async def test_releasing_a_lapsed_claim_says_the_task_is_in_the_queue_already(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")
    clock.advance(minutes=16)

    with pytest.raises(TaskConflict) as refused:
        await reviews.release(task_id, "alice")

    # Claiming it first, as a renewal is told, would only take the task out of the queue to put it back.
    assert refused.value.message == (
        f"review task {task_id} is not claimed (or its claim lapsed): it is in the queue already, nothing to release"
    )


async def test_release_returns_the_task_to_the_queue(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    released = await reviews.release(task_id, "alice")

    assert (released.task.status, released.task.lease) == (Status.OPEN, None)
    await reviews.claim(task_id, "bob")


async def test_the_holder_decides_their_claimed_task(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")

    decided = await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")

    assert (decided.task.status, decided.task.outcome, decided.task.lease) == (Status.RESOLVED, Outcome.REJECT, None)


async def test_of_two_simultaneous_claims_exactly_one_wins(engine, reviews):
    task_id = await open_task(engine, reviews)

    results = await asyncio.gather(
        reviews.claim(task_id, "alice"), reviews.claim(task_id, "bob"), return_exceptions=True
    )

    # The loser is told who holds the task (ClaimedByOther, a TaskConflict).
    assert sorted(type(result).__name__ for result in results) == ["ClaimedByOther", "ReviewTaskDetail"]
