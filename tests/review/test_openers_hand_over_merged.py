"""Every opener of a task on an issue hands the open tasks of the issues merged into it over first, as the hand-over
after a clustering pass does (ReviewService.hand_over_merged): so it finds that task and updates it, claim and history
kept, instead of opening a second task on the issue that the hand-over would then dismiss. Both databases."""

from __future__ import annotations

from sqlalchemy import update
from test_review_issue_rule import RULE, apply, issue_tasks, run, write

from gateway.domain.issues import IssueService
from gateway.review.merged_issues import follow_merged_issues
from gateway.review.records import UNFINISHED, Priority, Source, Status
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore
from gateway.store.reviews import ReviewFilter
from gateway.store.tables import issues


async def merged_by_a_pass(engine, issue_id: str, into: str) -> None:
    """Merge as a clustering pass does, before it hands the merged issue's open task over (gateway.store.issues)."""
    async with engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == issue_id).values(merged_into=into, size=0, status="dismissed")
        )


async def unfinished(reviews) -> list:
    return (await reviews.list(ReviewFilter(status=UNFINISHED), "queue", 100)).data


async def claimed_task_of_a_merged_into_b(engine, reviews) -> str:
    """Issue a's open task, claimed by rita; then a pass in which b grew and a was merged into b."""
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    await reviews.claim(task.id, "rita")
    await run(engine, "r2", 1, [write("b", 3 + RULE.growth, is_new=False)])
    await merged_by_a_pass(engine, "a", "b")
    return task.id


async def test_the_issue_rule_updates_the_merged_issues_task_instead_of_opening_a_second(engine, reviews):
    task_id = await claimed_task_of_a_merged_into_b(engine, reviews)

    assert await apply(engine, reviews, "r2") == 1

    [carried] = await unfinished(reviews)
    assert (carried.id, carried.issue_id, carried.lease.holder if carried.lease else None) == (task_id, "b", "rita")
    detail = await reviews.get(task_id)
    assert [event.kind for event in detail.events[-2:]] == ["issue_merged", "updated"]
    assert detail.task.evidence["trigger"] == "grew"


async def test_after_the_issue_rule_the_hand_over_finds_nothing_and_no_claim_is_lost(engine, reviews):
    task_id = await claimed_task_of_a_merged_into_b(engine, reviews)
    await apply(engine, reviews, "r2")
    issue_service = IssueService(IssueStore(engine), IssueEditStore(engine))

    assert await follow_merged_issues(reviews, issue_service, "support-bot") == 0

    detail = await reviews.get(task_id)
    assert (detail.task.status, detail.task.issue_id) == (Status.IN_PROGRESS, "b")
    assert [task.id for task in await unfinished(reviews)] == [task_id]


async def test_a_rule_writing_a_task_on_the_survivor_takes_the_merged_issues_task(engine, reviews):
    # Any opener naming an issue (write_task, open_or_update) goes through the same hand-over.
    task_id = await claimed_task_of_a_merged_into_b(engine, reviews)

    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.ISSUE,
        reason="look at b",
        priority=Priority.LOW,
        issue_id="b",
        interaction_ids=["b-0"],
    )

    assert opened is not None and (opened.task.task.id, opened.created) == (task_id, False)
    assert [task.id for task in await unfinished(reviews)] == [task_id]
