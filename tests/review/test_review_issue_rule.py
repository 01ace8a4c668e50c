"""The issue rule: after a clustering run, a task for each issue that reached the size threshold or grew fast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.domain.issues import Issue, IssueService
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.review.records import Outcome, Priority, Source, Status
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore
from gateway.store.reviews import ReviewFilter

RULE = IssueRule(min_size=10, growth=5, growth_share=1.0)
START = datetime(2026, 3, 1, tzinfo=UTC)


def write(
    issue_id: str, size: int, *, is_new: bool, status: IssueStatus = IssueStatus.NEW, regressed: bool = False
) -> IssueWrite:
    return IssueWrite(
        id=issue_id,
        is_new=is_new,
        title=f"{issue_id} title",
        summary=None,
        keywords=["refund", "delay", "money", "bank", "card", "extra"],
        status=status,
        regressed=regressed,
        size=size,
        negative_count=size,
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": f"{issue_id}-0", "text": "still no refund"}],
        first_seen=START,
        last_seen=START,
        member_ids=[f"{issue_id}-{n}" for n in range(size)],
    )


async def run(engine, run_id: str, day: int, writes: list[IssueWrite]) -> str:
    at = START + timedelta(days=day)
    await IssueStore(engine).save_run(
        RunRecord(id=run_id, app="support-bot", started_at=at, finished_at=at, items=0, noise=0, issues=writes)
    )
    return run_id


async def apply(engine, reviews, run_id: str) -> int:
    return await apply_issue_rule(reviews, IssueService(IssueStore(engine)), RULE, "support-bot", run_id)


async def issue_tasks(reviews):
    return (await reviews.list(ReviewFilter(source="issue"), "queue", 100)).data


async def test_the_audit_log_names_an_issue_task_by_its_issue_not_by_its_title(engine, reviews):
    # The title is made of complaints' words that an erasure may take back; the audit chain cannot be edited.
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))
    await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 30, is_new=False)]))

    records = await AuditStore(engine).list(AuditFilter(subject_type="review_task"), 10)

    assert sorted(r.action for r in records) == ["review.open", "review.update"]
    assert all("big title" not in str((r.before, r.after, r.detail)) for r in records)
    [opened] = [r for r in records if r.action == "review.open"]
    assert opened.detail["issue_id"] == "big"


async def test_an_issue_that_reaches_the_size_opens_a_task_with_its_members_and_numbers(engine, reviews):
    run_id = await run(engine, "run-1", 0, [write("big", 10, is_new=True), write("small", 4, is_new=True)])

    assert await apply(engine, reviews, run_id) == 1

    [task] = await issue_tasks(reviews)
    detail = await reviews.get(task.id)
    assert (task.source, task.issue_id, task.app) == (Source.ISSUE, "big", "support-bot")
    assert task.reason == "New issue \u201cbig title\u201d appeared with 10 complaints in one clustering pass."
    assert detail.interaction_ids == tuple(sorted(f"big-{n}" for n in range(10)))
    assert task.tags == ("bank", "card", "delay", "money", "refund")
    assert task.evidence["trigger"] == "reached"  # a new issue has no previous pass to grow from
    assert task.evidence["issue"]["size"] == 10
    assert task.evidence["issue"]["examples"] == [{"interaction_id": "big-0", "text": "still no refund"}]


async def test_an_issue_that_stays_big_without_growing_opens_no_second_task(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 10, is_new=True)]))
    [task] = await issue_tasks(reviews)
    await reviews.decide(task.id, "alice", Outcome.APPROVE)

    touched = await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 10, is_new=False)]))

    assert touched == 0
    assert len(await issue_tasks(reviews)) == 1


async def test_growth_between_passes_updates_the_open_task(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 30, is_new=False)]))

    [task] = await issue_tasks(reviews)
    detail = await reviews.get(task.id)
    assert task.reason == "Issue \u201cbig title\u201d has 30 complaints, 18 more than after the previous pass."
    assert (task.evidence["issue"]["previous_size"], task.evidence["issue"]["growth"]) == (12, 18)
    assert task.priority is Priority.HIGH
    assert len(detail.interaction_ids) == 30
    assert [e.kind for e in detail.events] == ["opened", "updated"]


async def test_fast_growth_of_a_small_issue_opens_a_task(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("small", 3, is_new=True)]))
    assert await issue_tasks(reviews) == ()

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("small", 6, is_new=False)]))

    [task] = await issue_tasks(reviews)
    assert (task.evidence["trigger"], task.priority) == ("grew_fast", Priority.LOW)


async def test_a_dismissed_issue_opens_no_task(engine, reviews):
    run_id = await run(engine, "run-1", 0, [write("big", 40, is_new=True, status=IssueStatus.DISMISSED)])

    assert await apply(engine, reviews, run_id) == 0


def issue(size: int, growth: int, regressed: bool = False, status: IssueStatus = IssueStatus.OPEN) -> Issue:
    return Issue(
        id="i",
        app="a",
        title="t",
        summary=None,
        keywords=(),
        size=size,
        negative_count=size,
        status=status,
        regressed=regressed,
        merged_into=None,
        first_seen=None,
        last_seen=None,
        growth=growth,
        trend=(),
    )


@pytest.mark.parametrize(
    ("size", "growth", "regressed", "ever_had_task", "trigger"),
    [
        (10, 0, False, False, "reached"),
        (10, 0, False, True, None),
        (9, 0, False, False, None),
        (9, 5, False, True, "grew"),
        (6, 3, False, True, "grew_fast"),  # doubled, by 3
        (4, 2, False, True, None),  # doubled, but by 2 only
        (9, 1, True, True, "regressed"),
        (9, 0, True, True, None),
    ],
)
def test_when_the_rule_opens_a_task(size, growth, regressed, ever_had_task, trigger):
    assert RULE.trigger(issue(size, growth, regressed), ever_had_task) == trigger


@pytest.mark.parametrize(
    ("size", "growth", "regressed", "priority"),
    [
        (10, 0, False, Priority.LOW),
        (20, 0, False, Priority.MEDIUM),
        (12, 5, False, Priority.MEDIUM),
        (50, 0, False, Priority.HIGH),
        (15, 10, False, Priority.HIGH),
        (10, 1, True, Priority.HIGH),
    ],
)
def test_priority_from_size_growth_and_regression(size, growth, regressed, priority):
    assert RULE.priority(issue(size, growth, regressed)) is priority


def test_the_rule_reads_its_thresholds_from_the_settings():
    settings = Settings(review_issue_min_size=3, review_issue_growth=2, review_issue_growth_share=0.5)

    assert IssueRule.from_settings(settings) == IssueRule(min_size=3, growth=2, growth_share=0.5)


async def test_a_resolved_task_status_is_not_reopened_by_the_rule(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 10, is_new=True)]))
    [task] = await issue_tasks(reviews)
    await reviews.dismiss(task.id, "alice")

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 10, is_new=False)]))

    assert [(t.id, t.status) for t in await issue_tasks(reviews)] == [(task.id, Status.DISMISSED)]


async def test_a_persons_open_task_for_an_issue_follows_its_growth(engine, reviews):
    # docs/review.md: a person's task for an issue is that issue's one open task, which the issue rule updates.
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("small", 4, is_new=True)]))
    opened = await reviews.open_manual(
        app="support-bot",
        reason="Customers keep asking about this",
        priority=Priority.MEDIUM,
        interaction_ids=[],
        issue_id="small",
        tags=[],
        evidence=None,
        actor="alice",
    )

    touched = await apply(engine, reviews, await run(engine, "run-2", 1, [write("small", 6, is_new=False)]))

    detail = await reviews.get(opened.task.task.id)
    assert touched == 1
    assert {"small-4", "small-5"} <= set(detail.interaction_ids)
