"""A held answer the fallback released without a decision went out unreviewed, and the automation rate says so.

The gate holding an answer counts it as reviewed while the app waits (nothing has gone out yet), and for
good once a reviewer decides or the `refuse` fallback withholds it. With the `release` fallback, an answer
nobody decided before the hold's deadline, or whose task was dismissed undecided, reaches the app as the
model gave it: it counted as reviewed all the same, so the rate read lower than what went out unreviewed.
"""

from __future__ import annotations

from datetime import timedelta

from calibration_seed import store_answers

from gateway.review.figures import Automation
from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.records import Outcome, Priority, Source


async def hold(reviews, clock, interaction_id: str, fallback: str) -> str:
    """The gate holds `interaction_id` for 30 minutes under `fallback`; returns the task's id."""
    held = {HELD_KEY: held_evidence(b'{"choices": []}', clock.now + timedelta(minutes=30), fallback)}
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.20",
        priority=Priority.HIGH,
        interaction_ids=[interaction_id],
        evidence={"confidence": 0.2, **held},
        tags=("held",),
    )
    assert opened is not None
    return opened.task.task.id


async def test_a_held_answer_released_at_the_deadline_undecided_went_out_unreviewed(engine, reviews, clock):
    ids = await store_answers(engine, [0.2, 0.9, 0.9, 0.9], clock.now - timedelta(hours=1))
    await hold(reviews, clock, ids[0], "release")
    clock.advance(minutes=31)

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(4, 0)}


async def test_a_held_answer_released_by_a_dismissal_went_out_unreviewed(engine, reviews, clock):
    ids = await store_answers(engine, [0.2, 0.9, 0.9, 0.9], clock.now - timedelta(hours=1))
    task_id = await hold(reviews, clock, ids[0], "release")
    await reviews.dismiss(task_id, "alice", "not worth a look")

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(4, 0)}


async def test_a_held_answer_the_refuse_fallback_withheld_still_counts_as_reviewed(engine, reviews, clock):
    ids = await store_answers(engine, [0.2, 0.9, 0.9, 0.9], clock.now - timedelta(hours=1))
    await hold(reviews, clock, ids[0], "refuse")
    clock.advance(minutes=31)

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(4, 1)}


async def test_a_held_answer_decided_after_its_release_counts_as_reviewed(engine, reviews, clock):
    ids = await store_answers(engine, [0.2, 0.9, 0.9, 0.9], clock.now - timedelta(hours=1))
    task_id = await hold(reviews, clock, ids[0], "release")
    clock.advance(minutes=31)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    figures = await reviews.stats(app="support-bot")

    assert figures.automation_by_app == {"support-bot": Automation(4, 1)}
