"""The issue rule on new issues (no previous pass: their size is not growth) and on open tasks that follow their issue."""

from __future__ import annotations

import pytest
from test_review_issue_rule import RULE, apply, issue, issue_tasks, run, write

from gateway.review.records import Outcome, Priority


@pytest.mark.parametrize("size", [5, 6, 9])
def test_a_new_issue_below_the_minimum_size_needs_no_task(size):
    # growth == size: the issue's first pass; 5 or more is `growth`, but nothing grew.
    assert RULE.trigger(issue(size, growth=size), ever_had_task=False) is None


def test_a_new_issue_of_the_minimum_size_has_reached_it():
    assert RULE.trigger(issue(10, growth=10), ever_had_task=False) == "reached"


@pytest.mark.parametrize(
    ("size", "priority"), [(10, Priority.LOW), (19, Priority.LOW), (20, Priority.MEDIUM), (50, Priority.HIGH)]
)
def test_a_new_issue_is_as_urgent_as_its_size(size, priority):
    assert RULE.priority(issue(size, growth=size)) is priority


async def test_new_issues_below_the_minimum_size_open_no_task(engine, reviews):
    run_id = await run(engine, "run-1", 0, [write("fee", 6, is_new=True), write("account", 6, is_new=True)])

    assert await apply(engine, reviews, run_id) == 0
    assert await issue_tasks(reviews) == ()


async def test_a_new_issue_of_twice_the_growth_is_not_made_urgent_by_it(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))

    [task] = await issue_tasks(reviews)
    assert (task.evidence["trigger"], task.priority) == ("reached", Priority.LOW)


async def test_issues_that_reach_the_minimum_size_on_their_second_pass_open_tasks_with_every_member(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("fee", 6, is_new=True)]))

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("fee", 10, is_new=False)]))

    [task] = await issue_tasks(reviews)
    detail = await reviews.get(task.id)
    assert task.evidence["trigger"] == "reached"
    assert task.reason == "Issue \u201cfee title\u201d has 10 complaints, 4 more than after the previous pass."
    assert len(detail.interaction_ids) == 10


async def test_an_open_task_follows_its_issue_to_the_minimum_size(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("fee", 3, is_new=True)]))
    await apply(engine, reviews, await run(engine, "run-2", 1, [write("fee", 6, is_new=False)]))  # doubled: a task

    # 6 -> 10: below `growth` (5) and the share (100 %), but the open task must not keep saying 6.
    assert await apply(engine, reviews, await run(engine, "run-3", 2, [write("fee", 10, is_new=False)])) == 1

    [task] = await issue_tasks(reviews)
    detail = await reviews.get(task.id)
    assert task.evidence["trigger"] == "reached"
    assert task.reason == "Issue \u201cfee title\u201d has 10 complaints, 4 more than after the previous pass."
    assert len(detail.interaction_ids) == 10
    assert [e.kind for e in detail.events] == ["opened", "updated"]


async def test_an_open_task_follows_small_growth_of_its_issue(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 14, is_new=False)]))

    [task] = await issue_tasks(reviews)
    detail = await reviews.get(task.id)
    assert (task.evidence["trigger"], task.evidence["issue"]["size"]) == ("updated", 14)
    assert len(detail.interaction_ids) == 14


async def test_a_claimed_task_follows_its_issue_too(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))
    [task] = await issue_tasks(reviews)
    await reviews.claim(task.id, "alice")

    await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 14, is_new=False)]))

    assert len((await reviews.get(task.id)).interaction_ids) == 14


async def test_small_growth_after_the_task_was_decided_opens_no_new_task(engine, reviews):
    await apply(engine, reviews, await run(engine, "run-1", 0, [write("big", 12, is_new=True)]))
    [task] = await issue_tasks(reviews)
    await reviews.decide(task.id, "alice", Outcome.APPROVE)

    touched = await apply(engine, reviews, await run(engine, "run-2", 1, [write("big", 14, is_new=False)]))

    assert touched == 0
    assert [t.id for t in await issue_tasks(reviews)] == [task.id]
