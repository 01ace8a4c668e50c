"""Opening tasks: never two open tasks for one issue or one interaction, and no interaction reviewed twice."""

from __future__ import annotations

import asyncio

import pytest
from review_seed import store_interactions

from gateway.review.errors import TaskConflict
from gateway.review.records import Outcome, Priority, Source
from gateway.review.service import ReviewService
from gateway.store.reviews import ReviewFilter


async def open_for(
    reviews: ReviewService,
    interaction_ids,
    *,
    issue_id=None,
    priority=Priority.LOW,
    reason="Low confidence: 0.42",
    evidence=None,
    source=Source.CONFIDENCE,
    tags=(),
):
    """What a rule would ask for: a task on these interactions (and issue) of support-bot."""
    return await reviews.open_or_update(
        app="support-bot",
        source=source,
        reason=reason,
        priority=priority,
        interaction_ids=interaction_ids,
        issue_id=issue_id,
        evidence=evidence if evidence is not None else {"confidence": 0.42},
        tags=tags,
    )


async def test_a_second_finding_on_the_same_interaction_updates_the_open_task(engine, reviews):
    ids = await store_interactions(engine, 2)
    first = await open_for(reviews, [ids[0]])

    second = await open_for(
        reviews, ids, reason="4 of the 10 most similar recent answers got negative feedback", evidence={"negative": 4}
    )

    assert second.created is False
    assert second.task.task.id == first.task.task.id
    assert second.added == (ids[1],)
    assert second.task.interaction_ids == tuple(ids)
    assert second.task.task.reason == "4 of the 10 most similar recent answers got negative feedback"
    assert len((await reviews.list(ReviewFilter(), "queue", 10)).data) == 1


async def test_an_update_by_another_rule_names_that_rule_as_it_tells_its_reason(engine, reviews):
    ids = await store_interactions(engine, 1)
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason="4 of the 10 most similar answers got negative")

    updated = await open_for(reviews, ids, source=Source.ANOMALOUS, reason="Unlike the app's usual questions")

    assert (updated.task.task.source, updated.task.task.reason) == (
        Source.ANOMALOUS,
        "Unlike the app's usual questions",
    )


async def test_a_second_finding_on_the_same_issue_updates_the_open_task(engine, reviews):
    ids = await store_interactions(engine, 3)
    first = await open_for(reviews, ids[:2], issue_id="issue-1", source=Source.ISSUE)

    second = await open_for(reviews, ids[2:], issue_id="issue-1", source=Source.ISSUE, evidence={"size": 3})

    assert second.created is False
    assert second.task.task.id == first.task.task.id
    assert second.task.interaction_ids == tuple(ids)


async def test_an_interaction_a_closed_task_held_is_never_added_again(engine, reviews):
    ids = await store_interactions(engine, 2)
    first = await open_for(reviews, [ids[0]])
    await reviews.decide(first.task.task.id, "alice", Outcome.APPROVE)

    again = await open_for(reviews, [ids[0]])
    mixed = await open_for(reviews, ids)

    assert again is None
    assert mixed.created is True
    assert mixed.task.interaction_ids == (ids[1],)
    assert mixed.already_held == (ids[0],)


async def test_an_issue_gets_a_new_task_once_its_task_is_closed_without_its_old_interactions(engine, reviews):
    ids = await store_interactions(engine, 3)
    first = await open_for(reviews, ids[:2], issue_id="issue-1", source=Source.ISSUE)
    await reviews.dismiss(first.task.task.id, "alice", "not now")

    second = await open_for(reviews, ids, issue_id="issue-1", source=Source.ISSUE, evidence={"size": 3})

    assert second.created is True
    assert second.task.task.id != first.task.task.id
    assert second.task.interaction_ids == (ids[2],)


async def test_an_update_raises_the_priority_but_never_lowers_it(engine, reviews):
    ids = await store_interactions(engine, 3)
    opened = await open_for(reviews, [ids[0]], priority=Priority.MEDIUM)

    raised = await open_for(reviews, ids[:2], priority=Priority.HIGH)
    kept = await open_for(reviews, [ids[0], ids[2]], priority=Priority.LOW)

    assert raised.task.task.id == kept.task.task.id == opened.task.task.id
    assert raised.task.task.priority is Priority.HIGH
    assert kept.task.task.priority is Priority.HIGH


async def test_an_update_keeps_the_earlier_evidence_in_the_task_history(engine, reviews):
    ids = await store_interactions(engine, 2)
    await open_for(reviews, [ids[0]], evidence={"confidence": 0.42})

    updated = await open_for(reviews, ids, evidence={"confidence": 0.31})

    assert updated.task.task.evidence == {"confidence": 0.31}
    assert [(e.kind, e.detail["evidence"]) for e in updated.task.events] == [
        ("opened", {"confidence": 0.42}),
        ("updated", {"confidence": 0.31}),
    ]


async def test_an_update_without_evidence_keeps_the_tasks_evidence(engine, reviews):
    ids = await store_interactions(engine, 2)
    await open_for(reviews, [ids[0]], evidence={"confidence": 0.42})

    updated = await reviews.open_or_update(
        app="support-bot", source=Source.MANUAL, reason="Escalated by support", priority=Priority.HIGH,
        interaction_ids=ids, evidence=None,
    )  # fmt: skip

    assert updated is not None
    assert updated.task.task.evidence == {"confidence": 0.42}


async def test_the_same_finding_again_writes_nothing(engine, reviews):
    ids = await store_interactions(engine, 1)
    await open_for(reviews, ids)

    assert await open_for(reviews, ids) is None


async def test_writing_a_task_tells_what_was_written_without_reading_the_task_back(engine, reviews):
    ids = await store_interactions(engine, 2)
    first = await open_for(reviews, [ids[0]])

    written = await reviews.write_task(
        app="support-bot", source=Source.CONFIDENCE, reason="Low confidence: 0.3", priority=Priority.LOW,
        interaction_ids=ids,
    )  # fmt: skip

    assert written is not None
    assert (written.task_id, written.created, written.added, written.already_held) == (
        first.task.task.id, False, (ids[1],), (ids[0],),
    )  # fmt: skip
    assert (await reviews.get(written.task_id)).interaction_ids == tuple(ids)


async def test_tags_of_an_update_join_the_tasks_tags(engine, reviews):
    ids = await store_interactions(engine, 2)
    await open_for(reviews, [ids[0]], tags=["billing", " fees "])

    updated = await open_for(reviews, ids, tags=["fees", "refunds"])

    assert updated.task.task.tags == ("billing", "fees", "refunds")


async def test_concurrent_findings_on_one_interaction_open_one_task(engine, reviews):
    ids = await store_interactions(engine, 1)

    results = await asyncio.gather(*(open_for(reviews, ids, reason=f"finding {n}") for n in range(5)))

    assert sum(result.created for result in results if result is not None) == 1
    assert len((await reviews.list(ReviewFilter(), "queue", 10)).data) == 1


async def test_two_rules_finding_one_task_do_not_overwrite_each_other_at_every_run(engine, reviews):
    ids = await store_interactions(engine, 2)
    similar = {"reason": "4 of the 10 most similar recent answers got negative feedback", "evidence": {"negative": 4}}
    big = {"reason": "Issue 'Wrong fee' has 12 complaints", "evidence": {"size": 12}}
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, **similar)
    await open_for(reviews, ids, source=Source.ISSUE, issue_id="issue-1", **big)

    again = [
        await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, **similar),
        await open_for(reviews, ids, source=Source.ISSUE, issue_id="issue-1", **big),
    ]

    assert again == [None, None]
    task = (await reviews.list(ReviewFilter(), "queue", 10)).data[0]
    detail = await reviews.get(task.id)
    assert detail.task.reason == big["reason"]
    assert [e.kind for e in detail.events] == ["opened", "updated"]


async def test_a_rule_whose_finding_changed_still_updates_a_task_another_rule_told_last(engine, reviews):
    ids = await store_interactions(engine, 2)
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason="4 of 10 got negative feedback")
    await open_for(reviews, ids, source=Source.ISSUE, issue_id="issue-1", reason="Issue has 12 complaints")

    updated = await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason="7 of 10 got negative feedback")

    assert updated is not None
    assert updated.task.task.reason == "7 of 10 got negative feedback"


async def test_a_rules_finding_that_only_names_another_complaint_the_task_holds_writes_nothing(engine, reviews):
    ids = await store_interactions(engine, 2)
    reason = "4 of the 10 most similar recent answers got negative feedback"
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason=reason, evidence={"interaction_id": ids[0]})

    # A complaint on the task's other answer: the same count, its own neighbourhood as evidence.
    again = await open_for(
        reviews, ids, source=Source.SIMILAR_NEGATIVE, reason=reason, evidence={"interaction_id": ids[1]}
    )

    assert again is None


async def test_a_rules_finding_with_the_same_reason_that_adds_an_interaction_is_recorded(engine, reviews):
    ids = await store_interactions(engine, 2)
    reason = "4 of the 10 most similar recent answers got negative feedback"
    await open_for(
        reviews, [ids[0]], source=Source.SIMILAR_NEGATIVE, reason=reason, evidence={"interaction_id": ids[0]}
    )

    added = await open_for(
        reviews, ids, source=Source.SIMILAR_NEGATIVE, reason=reason, evidence={"interaction_id": ids[1]}
    )

    assert added.added == (ids[1],)
    assert added.task.task.evidence == {"interaction_id": ids[1]}
    assert [(e.kind, e.detail["interactions_added"]) for e in added.task.events] == [("opened", 1), ("updated", 1)]


async def open_by_hand(reviews: ReviewService, interaction_ids):
    """A person's task on these interactions of support-bot."""
    return await reviews.open_manual(
        app="support-bot",
        reason="Check what we tell people about passwords",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
        issue_id=None,
        tags=(),
        evidence=None,
        actor="sam",
    )


async def test_a_rule_finding_an_interaction_of_a_persons_task_opens_its_own_and_leaves_theirs_as_written(
    engine, reviews
):
    ids = await store_interactions(engine, 3)
    manual = await open_by_hand(reviews, [ids[0]])

    found = await open_for(reviews, ids, issue_id="issue-1", source=Source.ISSUE, reason="New issue appeared")

    assert found.created is True
    assert found.task.task.source == Source.ISSUE
    assert found.task.interaction_ids == (ids[1], ids[2])  # never held twice
    kept = await reviews.get(manual.task.task.id)
    assert kept.task.reason == "Check what we tell people about passwords"
    assert kept.interaction_ids == (ids[0],)


async def test_a_rule_without_an_issue_does_not_take_over_a_persons_task_either(engine, reviews):
    ids = await store_interactions(engine, 2)
    manual = await open_by_hand(reviews, [ids[0]])

    found = await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE)

    assert found.task.task.id != manual.task.task.id
    assert (await reviews.get(manual.task.task.id)).task.source == Source.MANUAL


async def test_a_person_asking_again_about_their_own_tasks_interactions_updates_it(engine, reviews):
    ids = await store_interactions(engine, 2)
    first = await open_by_hand(reviews, [ids[0]])

    again = await open_by_hand(reviews, ids)

    assert again.task.task.id == first.task.task.id
    assert again.task.interaction_ids == tuple(ids)


async def test_a_person_asking_about_a_rules_interactions_joins_its_task_and_leaves_the_rules_reason(engine, reviews):
    ids = await store_interactions(engine, 2)
    rule = await open_for(reviews, [ids[0]], issue_id="issue-1", source=Source.ISSUE, reason="Issue grew to 40")

    asked = await open_by_hand(reviews, ids)

    assert asked.task.task.id == rule.task.task.id
    assert (asked.task.task.source, asked.task.task.reason) == (Source.ISSUE, "Issue grew to 40")
    assert asked.task.task.evidence == {"confidence": 0.42}
    assert asked.task.interaction_ids == tuple(ids)


async def test_a_person_joining_a_rules_task_is_told_by_the_update_event(engine, reviews):
    ids = await store_interactions(engine, 1)
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason="7 of 10 got negative feedback")

    asked = await open_by_hand(reviews, ids)

    last = asked.task.events[-1]
    assert (last.kind, last.actor) == ("updated", "sam")
    assert (last.detail["source"], last.detail["reason"]) == ("manual", "Check what we tell people about passwords")


async def test_a_person_asking_the_same_again_about_a_rules_task_is_refused_as_nothing_new(engine, reviews):
    ids = await store_interactions(engine, 1)
    await open_for(reviews, ids, source=Source.SIMILAR_NEGATIVE, reason="7 of 10 got negative feedback")
    first = await open_by_hand(reviews, ids)

    with pytest.raises(TaskConflict, match=f"open task {first.task.task.id} already holds these interactions"):
        await open_by_hand(reviews, ids)


async def test_a_person_adding_evidence_to_their_own_task_is_recorded(engine, reviews):
    ids = await store_interactions(engine, 1)
    first = await open_by_hand(reviews, ids)

    told = await reviews.open_manual(
        app="support-bot", reason="Check what we tell people about passwords", priority=Priority.MEDIUM,
        interaction_ids=ids, issue_id=None, tags=(), evidence={"ticket": "SUP-12"}, actor="sam",
    )  # fmt: skip

    assert told.task.task.id == first.task.task.id
    assert told.task.task.evidence == {"ticket": "SUP-12"}
    assert [e.kind for e in told.task.events] == ["opened", "updated"]
