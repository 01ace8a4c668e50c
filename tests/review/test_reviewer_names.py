"""A reviewer is one person however their name is cased: "Alice" and "alice" are counted, and held to claims, as one.

The rule (gateway.review.people): reviewer names compare without case; the figures show each
reviewer by the spelling of their first decision in the range.
"""

from __future__ import annotations

from review_seed import store_interactions

from gateway.review.records import Outcome, Priority, Source


async def open_task(engine, reviews) -> str:
    ids = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot", source=Source.MANUAL, reason="Please check", priority=Priority.HIGH, interaction_ids=ids
    )
    return opened.task.task.id


async def test_decisions_per_reviewer_count_one_person_however_cased(engine, reviews, clock):
    tasks = [await open_task(engine, reviews) for _ in range(3)]
    await reviews.decide(tasks[0], "Alice", Outcome.APPROVE)
    clock.advance(minutes=5)
    await reviews.decide(tasks[1], "alice", Outcome.REJECT)
    clock.advance(minutes=5)
    await reviews.decide(tasks[2], "ALICE", Outcome.APPROVE)

    figures = await reviews.stats()

    assert figures.decisions_by_reviewer == {"Alice": 3}


async def test_the_stats_api_counts_one_person_however_cased(engine, client, admin_headers, gateway):
    reviews = gateway.services.reviews
    tasks = [await open_task(engine, reviews) for _ in range(2)]
    await reviews.decide(tasks[0], "Bob", Outcome.APPROVE)
    await reviews.decide(tasks[1], "bob", Outcome.APPROVE)

    body = (await client.get("/api/reviews/stats", headers=admin_headers)).json()

    assert body["decisions_by_reviewer"] == {"Bob": 2}


async def test_a_claim_is_the_same_reviewers_however_cased(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "Alice")

    renewed = await reviews.renew(task_id, "alice")
    decided = await reviews.decide(task_id, "ALICE", Outcome.APPROVE)

    assert renewed.task.lease is not None and renewed.task.lease.holder == "Alice"
    assert decided.task.status.value == "resolved"


async def test_agreement_needs_two_people_not_two_spellings(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "Alice", Outcome.APPROVE)
    await double_checked.decide(task_id, "bob", Outcome.APPROVE)

    figures = await double_checked.stats()

    assert (figures.agreement.pairs, figures.agreement.agreed) == (1, 1)
    assert figures.decisions_by_reviewer == {"Alice": 1, "bob": 1}
