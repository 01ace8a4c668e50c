"""What the automation rate counts as reviewed: answers held before they went out, or judged by a person.

Being in a task is not enough: the issue rule puts every member of a grown issue into its task,
and those answers went out long before, unreviewed, while the task waits.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from calibration_seed import store_answers

from clustering.issue_status import IssueStatus
from gateway.domain.issues import IssueService
from gateway.review.figures import Automation
from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.review.records import Outcome, Priority, Source
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore
from gateway.store.reviews import ReviewFilter

RULE = IssueRule(min_size=10, growth=5, growth_share=1.0)


async def issue_task_over(engine, reviews, clock, member_ids: list[str]) -> str:
    """A clustering run finds an issue of `member_ids`, and the issue rule opens its task; returns the task id."""
    at = clock.now - timedelta(minutes=30)
    write = IssueWrite(
        id="issue-1",
        is_new=True,
        title="Wrong fee",
        summary=None,
        keywords=["fee"],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(member_ids),
        negative_count=len(member_ids),
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": member_ids[0], "text": "wrong fee"}],
        first_seen=at,
        last_seen=at,
        member_ids=member_ids,
    )
    run = RunRecord(id="run-1", app="support-bot", started_at=at, finished_at=at, items=0, noise=0, issues=[write])
    await IssueStore(engine).save_run(run)
    assert await apply_issue_rule(reviews, IssueService(IssueStore(engine)), RULE, "support-bot", "run-1") == 1
    [task] = (await reviews.list(ReviewFilter(source="issue"), "queue", 10)).data
    return task.id


async def test_answers_in_an_open_undecided_issue_task_do_not_lower_the_rate(engine, reviews, clock):
    ids = await store_answers(engine, [0.9] * 40, clock.now - timedelta(hours=1))
    await issue_task_over(engine, reviews, clock, ids[:25])

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(40, 0)}
    assert figures.automation.rate == 1.0


async def test_answers_of_an_issue_task_a_person_decided_count_as_reviewed(engine, reviews, clock):
    ids = await store_answers(engine, [0.9] * 40, clock.now - timedelta(hours=1))
    task_id = await issue_task_over(engine, reviews, clock, ids[:25])
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(40, 25)}


async def test_an_answer_the_gate_holds_counts_as_reviewed_while_it_waits(engine, reviews, clock):
    ids = await store_answers(engine, [0.2, 0.9, 0.9, 0.9], clock.now - timedelta(hours=1))
    held = {HELD_KEY: held_evidence(b'{"choices": []}', clock.now + timedelta(minutes=30))}
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.20",
        priority=Priority.HIGH,
        interaction_ids=ids[:1],
        evidence={"confidence": 0.2, **held},
        tags=("held",),
    )
    assert opened is not None
    clock.advance(minutes=5)
    # A later rule adds another answer to the same open task: that one went out before, unheld.
    await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Same question, answered the same way",
        priority=Priority.LOW,
        interaction_ids=ids[:2],
    )

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(4, 1)}
