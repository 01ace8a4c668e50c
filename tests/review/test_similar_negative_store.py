"""The similar-negative rule over a real store (SQLite and PostgreSQL) and real embeddings of small texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import OTHER_TOPICS, REFUNDS, banking_questions, give_feedback, store_questions, traffic_index

from gateway.audit.verify import verify_chain
from gateway.config import Settings
from gateway.review.findings import open_finding
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService, review_service
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.recent_traffic import RecentTrafficStore

APP = "support-bot"


def rule_over(engine: AsyncEngine, window: timedelta = timedelta(days=7)) -> SimilarNegativeRule:
    index = traffic_index(engine, window=window)
    traffic = RecentTrafficStore(engine)
    return SimilarNegativeRule(index, traffic.negative_among, SimilarNegativeSettings(), traffic.stored_among)


@dataclass
class RefundComplaints:
    """Every refund question among other topics complained about, the rule's index loaded, and the review service."""

    refunds: list[str]
    rule: SimilarNegativeRule
    reviews: ReviewService


@pytest.fixture
async def refund_complaints(engine: AsyncEngine, database_url: str) -> RefundComplaints:
    ids = await store_questions(engine, REFUNDS + OTHER_TOPICS, APP)
    refunds = ids[: len(REFUNDS)]
    await give_feedback(engine, refunds)
    rule = rule_over(engine)
    await rule._index.refresh(APP)
    return RefundComplaints(refunds, rule, review_service(engine, Settings(database_url=database_url)))


async def test_three_negative_neighbours_are_not_enough_four_are_and_a_changed_mind_counts(engine: AsyncEngine) -> None:
    ids = await store_questions(engine, REFUNDS + OTHER_TOPICS, APP)
    query = ids[0]
    await give_feedback(engine, [query])
    rule = rule_over(engine)
    await rule._index.refresh(APP)
    vectors = rule._index.vectors(APP)
    assert vectors is not None and len(vectors) == len(ids)
    nearest = [n.interaction_id for n in vectors.nearest(vectors.vector_of(query), 10, exclude=query)]
    assert query not in nearest

    await give_feedback(engine, nearest[:3])
    assert await rule.evaluate(APP, query) is None

    await give_feedback(engine, nearest[3:4])
    finding = await rule.evaluate(APP, query)
    assert finding is not None and finding.priority is Priority.MEDIUM
    assert finding.reason == "4 of the 10 most similar recent answers got negative feedback"
    assert set(finding.interaction_ids) == {query, *nearest[:4]}
    assert [n["interaction_id"] for n in finding.evidence["neighbours"]] == nearest

    # The same user's newer thumbs-up replaces their thumbs-down: back to 3 of 10.
    await give_feedback(engine, nearest[3:4], negative=False)
    assert await rule.evaluate(APP, query) is None

    await give_feedback(engine, nearest[4:6])
    assert (await rule.evaluate(APP, query)).priority is Priority.MEDIUM  # 5 of 10
    await give_feedback(engine, nearest[6:7])
    assert (await rule.evaluate(APP, query)).priority is Priority.HIGH  # 6 of 10


async def test_a_second_negative_feedback_on_a_neighbour_updates_the_same_open_task(
    refund_complaints: RefundComplaints,
) -> None:
    refunds, rule, reviews = refund_complaints.refunds, refund_complaints.rule, refund_complaints.reviews

    first = await rule.evaluate(APP, refunds[0])
    assert first is not None and first.priority is Priority.HIGH
    opened = await open_finding(reviews, first)
    assert opened is not None and opened.created
    assert opened.task.task.source is Source.SIMILAR_NEGATIVE
    assert opened.task.task.evidence["negative"] == first.evidence["negative"]

    # A complaint on the refund the first finding left out: it joins the task (one that the task holds
    # already, with the same count, adds nothing and records nothing: the test below).
    [left_out] = set(refunds) - set(first.interaction_ids)
    second = await rule.evaluate(APP, left_out)
    assert second is not None
    updated = await open_finding(reviews, second)
    assert updated is not None and not updated.created
    assert updated.task.task.id == opened.task.task.id
    assert left_out in updated.added
    assert set(updated.task.interaction_ids) == set(first.interaction_ids) | set(second.interaction_ids)
    assert [event.kind for event in updated.task.events] == ["opened", "updated"]


async def test_complaints_on_answers_the_task_holds_add_no_event_nor_audit_record(
    engine: AsyncEngine, refund_complaints: RefundComplaints
) -> None:
    # Seen in a walkthrough: each new thumbs-down on an answer the task already held wrote an "updated"
    # event and a `review.update` audit record naming 0 interactions (17 on one task): its evidence
    # named the complaint that set the rule off, which made every telling look new.
    refunds, rule, reviews = refund_complaints.refunds, refund_complaints.rule, refund_complaints.reviews
    written = []
    # Each refund complained about, then each again (another user's thumbs-down): the rule runs on every one.
    for complained in [*refunds, *refunds]:
        finding = await rule.evaluate(APP, complained)
        assert finding is not None
        written.append(await open_finding(reviews, finding))

    task_id = written[0].task.task.id
    task = await reviews.get(task_id)
    events = [e for e in task.events if e.kind in ("opened", "updated")]
    # Every updated event says something the one before did not: interactions added, or another count.
    for before, event in pairwise(events):
        assert event.detail["interactions_added"] > 0 or event.detail["reason"] != before.detail["reason"]
    # Of the 24 complaints, those that told the task's reason again without adding to it wrote nothing.
    assert sum(opened is not None for opened in written) == len(events) < len(written) // 2
    audit = AuditStore(engine)
    records = await audit.list(AuditFilter(subject_type="review_task", subject_id=task_id), 100)
    assert sorted(r.action for r in records) == sorted(
        {"opened": "review.open", "updated": "review.update"}[e.kind] for e in events
    )
    everything = [record for chunk in [c async for c in audit.chain()] for record in chunk]
    assert verify_chain(everything, await audit.head()).ok


async def test_interactions_older_than_the_window_are_not_neighbours(engine: AsyncEngine) -> None:
    old = await store_questions(engine, REFUNDS[1:], APP, age=timedelta(days=8))
    await give_feedback(engine, old)
    recent = await store_questions(engine, [REFUNDS[0], *OTHER_TOPICS, *banking_questions(6)], APP)
    await give_feedback(engine, recent[:1])

    rule = rule_over(engine, window=timedelta(days=7))
    await rule._index.refresh(APP)
    assert set(rule._index.vectors(APP).live_ids()) == set(recent)
    assert await rule.evaluate(APP, recent[0]) is None

    # The same data with a 30-day window: the old complaints about refunds are its neighbours.
    wider = rule_over(engine, window=timedelta(days=30))
    await wider._index.refresh(APP)
    finding = await wider.evaluate(APP, recent[0])
    assert finding is not None and finding.priority is Priority.HIGH
    assert set(finding.interaction_ids) - {recent[0]} <= set(old)


async def test_refreshes_add_only_what_is_new_including_a_late_written_stream(engine: AsyncEngine) -> None:
    index = traffic_index(engine)
    first = await store_questions(engine, REFUNDS, APP)
    loaded = await index.refresh(APP)
    assert loaded.first_load and loaded.ids == first

    # A stream's row is written when it ends, stamped with the time it began.
    late = await store_questions(engine, OTHER_TOPICS[:1], APP, age=timedelta(minutes=5))
    silent = await store_questions(engine, [""], APP)  # no user message: never indexed
    new = await index.refresh(APP)
    assert not new.first_load and new.ids == late and new.vectors.shape == (1, 384)
    assert (await index.refresh(APP)).ids == []
    assert set(index.vectors(APP).live_ids()) == {*first, *late} and silent[0] not in index.vectors(APP)
