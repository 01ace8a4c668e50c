"""No opening makes a new review task that would hold nothing, because other tasks hold all it concerns, on both
databases: the review service refuses a person's (TaskConflict naming the holders) and writes nothing for a rule.

An interaction is held by one task for good (gateway.review.opening); the rule is the service's, under the opening's
lock (gateway.review.issue_holders), so the API, the issue page and the rules share it.
"""

from __future__ import annotations

import asyncio

import pytest
from issue_rows import store_issue
from review_seed import store_interactions

from gateway.review.errors import TaskConflict
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService
from gateway.store.reviews import ReviewFilter

APP = "support-bot"


async def dismissed_holder(engine, reviews: ReviewService, issue_id: str = "fees") -> tuple[list[str], str]:
    """Issue `issue_id` of two complaints that a person's task, dismissed since, holds: (its complaints, the holder)."""
    ids = await store_interactions(engine, 2, app=APP)
    await store_issue(engine, APP, issue_id, ids)
    holder = await by_hand(reviews, ids)
    await reviews.dismiss(holder.task.task.id, "otto")
    return ids, holder.task.task.id


async def by_hand(reviews: ReviewService, interaction_ids, issue_id: str | None = None, reason: str = "Look again"):
    """What `POST /api/reviews` asks of the service."""
    return await reviews.open_manual(
        app=APP, reason=reason, priority=Priority.MEDIUM, interaction_ids=interaction_ids,
        issue_id=issue_id, tags=(), evidence=None, actor="paula",
    )  # fmt: skip


async def task_count(reviews: ReviewService) -> int:
    return len((await reviews.list(ReviewFilter(), "newest", 50)).data)


async def test_a_person_naming_reviewed_interactions_is_refused_naming_the_task_holding_them(engine, reviews):
    ids, holder = await dismissed_holder(engine, reviews)

    with pytest.raises(TaskConflict, match=f"review task {holder} \\(dismissed\\) holds 2"):
        await by_hand(reviews, ids)

    assert await task_count(reviews) == 1


async def test_a_person_naming_reviewed_interactions_and_their_issue_is_refused(engine, reviews):
    ids, holder = await dismissed_holder(engine, reviews)

    with pytest.raises(TaskConflict, match=f"review task {holder} \\(dismissed\\) holds 2"):
        await by_hand(reviews, ids, issue_id="fees")

    assert await task_count(reviews) == 1


async def test_the_refusal_of_interactions_named_with_their_issue_tells_them_apart_and_what_to_send(engine, reviews):
    ids, holder = await dismissed_holder(engine, reviews)

    with pytest.raises(TaskConflict) as refused:
        await by_hand(reviews, ids[:1], issue_id="fees")

    assert refused.value.message == (
        "the 1 interaction given and the 1 other complaint of issue 'fees' were already reviewed in an earlier task, and"
        " an interaction is never reviewed twice, so a new task would hold none of these 2"
        f" (review task {holder} (dismissed) holds 2): nothing was opened; read the decisions there, or reopen that"
        " task; for a new task, send interaction_ids that no review task holds yet, with the issue_id or without"
    )


async def test_a_person_naming_only_an_issue_whose_complaints_are_reviewed_is_refused(engine, reviews):
    _, holder = await dismissed_holder(engine, reviews)

    with pytest.raises(TaskConflict, match=f"review task {holder} \\(dismissed\\) holds 2"):
        await by_hand(reviews, [], issue_id="fees")

    assert await task_count(reviews) == 1


async def test_the_issue_pages_opening_is_refused_by_the_service_too(engine, reviews):
    ids, holder = await dismissed_holder(engine, reviews)

    # What the issue page's "Open a review task" asks: the issue with its complaints.
    with pytest.raises(TaskConflict, match=f"review task {holder} \\(dismissed\\)"):
        await reviews.open_or_update(
            app=APP, source=Source.MANUAL, reason="Review the issue", priority=Priority.MEDIUM,
            interaction_ids=ids, issue_id="fees", actor="rita",
        )  # fmt: skip

    assert await task_count(reviews) == 1


async def test_complaints_an_open_task_of_another_issue_holds_are_refused_naming_it(engine, reviews):
    ids = await store_interactions(engine, 1, app=APP)
    await store_issue(engine, APP, "fees", ids)
    other = await reviews.open_or_update(
        app=APP, source=Source.ISSUE, reason="Issue charges grew", priority=Priority.LOW,
        interaction_ids=ids, issue_id="charges",
    )  # fmt: skip

    with pytest.raises(TaskConflict, match=f"review task {other.task.task.id} \\(open\\) holds 1"):
        await by_hand(reviews, ids, issue_id="fees")

    assert await task_count(reviews) == 1


async def test_an_issue_whose_complaints_nobody_holds_still_gets_a_persons_task(engine, reviews):
    ids = await store_interactions(engine, 2, app=APP)
    await store_issue(engine, APP, "fees", ids)

    opened = await by_hand(reviews, [], issue_id="fees")

    assert (opened.created, opened.task.task.issue_id) == (True, "fees")


async def test_the_issue_rule_opens_no_task_over_complaints_closed_tasks_hold(engine, reviews):
    ids, _ = await dismissed_holder(engine, reviews)

    # What the issue rule asks after a pass (gateway.review.issue_rule.apply_issue_rule).
    written = await reviews.write_task(
        app=APP, source=Source.ISSUE, reason="New issue appeared with 2 complaints", priority=Priority.LOW,
        interaction_ids=ids, issue_id="fees", evidence={"trigger": "reached"},
    )  # fmt: skip

    assert written is None
    assert await task_count(reviews) == 1


async def test_a_rule_opens_no_task_over_complaints_a_persons_open_task_holds(engine, reviews):
    ids = await store_interactions(engine, 2, app=APP)
    await store_issue(engine, APP, "fees", ids)
    await by_hand(reviews, ids)  # no issue: a rule does not take a person's task

    written = await reviews.write_task(
        app=APP, source=Source.ISSUE, reason="New issue appeared with 2 complaints", priority=Priority.LOW,
        interaction_ids=ids, issue_id="fees", evidence={"trigger": "reached"},
    )  # fmt: skip

    assert written is None
    assert await task_count(reviews) == 1


async def test_two_people_opening_one_issue_at_once_make_one_task(engine, reviews):
    ids = await store_interactions(engine, 2, app=APP)
    await store_issue(engine, APP, "fees", ids)

    both = await asyncio.gather(
        by_hand(reviews, ids, issue_id="fees", reason="Its answers"),
        by_hand(reviews, [], issue_id="fees", reason="The issue"),
    )

    assert sorted(opened.created for opened in both) == [False, True]
    assert both[0].task.task.id == both[1].task.task.id
    assert await task_count(reviews) == 1


async def test_the_refusal_of_a_request_asked_before_advises_an_action_the_open_task_has(engine, reviews):
    # Task updates have no comment action: a decision carries the comment (docs/review.md, "Decisions").
    ids = await store_interactions(engine, 2, app=APP)
    holder = (await by_hand(reviews, ids)).task.task.id

    with pytest.raises(TaskConflict) as refused:
        await by_hand(reviews, ids)

    assert refused.value.message == (
        f"open task {holder} already holds these interactions and was asked this before: decide them on that task,"
        f" whose decision (POST /api/reviews/{holder}/decision, or the task's page) takes a comment,"
        " or name other interactions"
    )


async def test_the_refusal_of_complaints_an_open_task_holds_says_to_decide_them_there(engine, reviews):
    ids = await store_interactions(engine, 1, app=APP)
    await store_issue(engine, APP, "fees", ids)
    other = await reviews.open_or_update(
        app=APP, source=Source.ISSUE, reason="Issue charges grew", priority=Priority.LOW,
        interaction_ids=ids, issue_id="charges",
    )  # fmt: skip
    holder = other.task.task.id

    with pytest.raises(TaskConflict) as refused:
        await by_hand(reviews, [], issue_id="fees")

    # No closed task holds any of them: there is none to reopen.
    assert refused.value.message == (
        "every complaint of issue 'fees' is held by another review task already, and an interaction is never reviewed"
        f" twice, so a new task would hold none of its 1 complaint (review task {holder} (open) holds 1): nothing was"
        f" opened; decide them on the open task that holds them, whose decision (POST /api/reviews/{holder}/decision,"
        " or the task's page) takes a comment"
    )


async def test_the_refusal_of_complaints_open_and_closed_tasks_hold_offers_reopening_the_closed_one(engine, reviews):
    ids = await store_interactions(engine, 2, app=APP)
    await store_issue(engine, APP, "fees", ids)
    closed = (await by_hand(reviews, ids[1:])).task.task.id
    await reviews.dismiss(closed, "otto")
    other = await reviews.open_or_update(
        app=APP, source=Source.ISSUE, reason="Issue charges grew", priority=Priority.LOW,
        interaction_ids=ids[:1], issue_id="charges",
    )  # fmt: skip
    holder = other.task.task.id

    with pytest.raises(TaskConflict) as refused:
        await by_hand(reviews, [], issue_id="fees")

    held = sorted([f"review task {holder} (open) holds 1", f"review task {closed} (dismissed) holds 1"])
    assert refused.value.message == (
        "every complaint of issue 'fees' is held by other review tasks already, and an interaction is never reviewed"
        f" twice, so a new task would hold none of its 2 complaints ({'; '.join(held)}): nothing was opened;"
        f" decide them on the open task that holds them, whose decision (POST /api/reviews/{holder}/decision, or the"
        f" task's page) takes a comment, or reopen review task {closed}"
    )
