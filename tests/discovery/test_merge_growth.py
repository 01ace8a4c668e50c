"""A merge moves complaints, it brings none: the surviving issue's growth, trend and review task say so.

Issue A (15 complaints) is merged into B (21) after two passes in which neither grew. B then holds
36 complaints, none of them new.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.discovery.issue_increments import Assignment, RunIdentity, incremental_run
from gateway.domain.issues import IssueService
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.review.levels import ServiceLevels
from gateway.review.records import Priority
from gateway.review.service import ReviewService
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issue_increments import IssueIncrementStore
from gateway.store.issue_records import IssueRetirement, IssueWrite, RunRecord
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewFilter, ReviewStore

APP = "eff3"
RULE = IssueRule(min_size=10, growth=5, growth_share=1.0)
START = datetime(2026, 3, 1, tzinfo=UTC)
A = [f"a-{n}" for n in range(15)]
B = [f"b-{n}" for n in range(21)]


def write(issue_id: str, member_ids: list[str], *, is_new: bool) -> IssueWrite:
    return IssueWrite(
        id=issue_id,
        is_new=is_new,
        title=f"{issue_id} title",
        summary=None,
        keywords=["fee"],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(member_ids),
        negative_count=len(member_ids),
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": member_ids[0], "text": "wrong fee"}],
        first_seen=START,
        last_seen=START,
        member_ids=member_ids,
    )


@pytest.fixture
def reviews(engine) -> ReviewService:
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), ServiceLevels.from_settings(Settings()))


@pytest.fixture
def issues(engine) -> IssueService:
    return IssueService(IssueStore(engine), IssueEditStore(engine))


async def full_pass(engine, reviews, issues, run_id: str, day: int, writes, retired=()) -> int:
    """Store a full run, then apply the issue rule as the pass does; returns the tasks touched."""
    at = START + timedelta(days=day)
    run = RunRecord(
        id=run_id, app=APP, started_at=at, finished_at=at, items=0, noise=0, issues=writes, retired=list(retired)
    )
    await IssueStore(engine).save_run(run)
    return await apply_issue_rule(reviews, issues, RULE, APP, run_id)


async def two_passes(engine, reviews, issues) -> None:
    """A and B appear, then a pass in which neither grows; each has its issue task from the first pass."""
    await full_pass(engine, reviews, issues, "run-1", 0, [write("A", A, is_new=True), write("B", B, is_new=True)])
    await full_pass(engine, reviews, issues, "run-2", 1, [write("A", A, is_new=False), write("B", B, is_new=False)])


async def task_of(reviews, issue_id: str):
    [task] = [t for t in (await reviews.list(ReviewFilter(source="issue"), "queue", 10)).data if t.issue_id == issue_id]
    return await reviews.get(task.id)


async def test_a_merge_leaves_the_target_without_growth_and_its_latest_point_at_its_size(engine, reviews, issues):
    await two_passes(engine, reviews, issues)

    await issues.merge("A", "B", "admin-token")

    merged = await issues.get("B")
    assert merged is not None
    assert (merged.issue.size, merged.issue.growth) == (36, 0)
    assert [point.size for point in merged.issue.trend] == [36, 36]
    assert merged.daily[-1].size == 36


async def test_a_merge_does_not_make_the_target_the_fastest_growing(engine, reviews, issues):
    await two_passes(engine, reviews, issues)

    await issues.merge("A", "B", "admin-token")

    listed = (await issues.list(IssueFilter(app=APP), sort="growth", limit=10)).data
    assert [(issue.id, issue.size, issue.growth) for issue in listed] == [("B", 36, 0)]


async def test_an_incremental_pass_without_new_complaints_after_a_merge_opens_and_raises_nothing(
    engine, reviews, issues
):
    await two_passes(engine, reviews, issues)
    before = await task_of(reviews, "B")
    await issues.merge("A", "B", "admin-token")
    store = IssueIncrementStore(engine)
    at = START + timedelta(days=2)

    run = incremental_run(
        RunIdentity("run-3", APP, at, at, "recipe"),
        await store.state(APP),
        dict.fromkeys(A + B, 1),
        Assignment(items=(), issue_ids=(), map_points={}),
        gone=(),
    )
    await store.save(run)

    assert await apply_issue_rule(reviews, issues, RULE, APP, "run-3") == 0
    after = await task_of(reviews, "B")
    assert (after.task.priority, after.task.reason) == (before.task.priority, before.task.reason)
    assert before.task.priority is Priority.MEDIUM
    issue = await issues.get("B")
    assert issue is not None
    assert (issue.issue.growth, issue.issue.trend[-1].size) == (0, 36)


async def test_a_full_pass_that_keeps_the_merged_issues_together_opens_and_raises_nothing(engine, reviews, issues):
    await two_passes(engine, reviews, issues)
    before = await task_of(reviews, "B")
    await issues.merge("A", "B", "admin-token")

    touched = await full_pass(engine, reviews, issues, "run-3", 2, [write("B", B + A, is_new=False)])

    assert touched == 0
    after = await task_of(reviews, "B")
    assert (after.task.priority, after.task.reason) == (before.task.priority, before.task.reason)
    issue = await issues.get("B")
    assert issue is not None
    assert issue.issue.growth == 0


async def test_a_full_pass_that_merges_two_issues_itself_counts_no_growth(engine, reviews, issues):
    await two_passes(engine, reviews, issues)
    before = await task_of(reviews, "B")

    touched = await full_pass(
        engine, reviews, issues, "run-3", 2, [write("B", B + A, is_new=False)], [IssueRetirement("A", "B")]
    )

    assert touched == 0
    after = await task_of(reviews, "B")
    assert after.task.priority == before.task.priority
    issue = await issues.get("B")
    assert issue is not None
    assert (issue.issue.size, issue.issue.growth, [p.size for p in issue.issue.trend]) == (36, 0, [36, 36, 36])


async def test_a_pass_only_the_merged_issue_had_becomes_a_point_of_the_target(engine, reviews, issues):
    await full_pass(engine, reviews, issues, "run-1", 0, [write("A", A, is_new=True)])
    await full_pass(engine, reviews, issues, "run-2", 1, [write("A", A, is_new=False), write("B", B, is_new=True)])

    await issues.merge("A", "B", "admin-token")

    merged = await issues.get("B")
    assert merged is not None
    assert [(point.day, point.size) for point in merged.issue.trend] == [
        (START.date(), 15),
        (START.date() + timedelta(days=1), 36),
    ]
    assert merged.issue.growth == 21


async def test_the_merged_issue_leaves_its_history_to_the_target(engine, reviews, issues):
    await two_passes(engine, reviews, issues)

    await issues.merge("A", "B", "admin-token")

    gone = await issues.get("A")
    assert gone is not None
    assert (gone.issue.size, gone.issue.growth, gone.issue.trend, gone.daily) == (0, 0, (), ())
