"""Calibration labels an answer by the reviewers' decision that stands, as the training-data export does.

Of two reviewers who disagree the second one's outcome stands, and reopening a task sets its earlier round aside
(gateway.review.lifecycle); the export trains on the standing decision's answer. An answer the export holds up as
right must not count as bad in the calibration of the gate that should have let it through. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils
from calibration_seed import store_answers

from gateway.review.calibration_report import CalibrationReports
from gateway.review.records import Outcome, Priority, Source
from gateway.store.confidence_samples import ConfidenceSampleStore
from gateway.store.feedback import FeedbackStore


async def bad_answers(engine, clock) -> tuple[int, int]:
    reports = CalibrationReports(ConfidenceSampleStore(engine), {"support-bot": 0.7}, clock=clock)
    report = (await reports.report("support-bot")).report
    return report.answers, report.bad


async def a_task_about_one_answer(engine, clock, service, *, thumbed_down: bool = False) -> str:
    (interaction_id,) = await store_answers(engine, [0.4], clock.now - timedelta(hours=1))
    if thumbed_down:
        await a_thumbs_down(engine, interaction_id)
    opened = await service.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Check this answer",
        priority=Priority.LOW,
        interaction_ids=[interaction_id],
    )
    return opened.task.task.id


async def test_a_first_opinion_rejecting_an_answer_the_second_reviewer_approved_does_not_make_it_bad(
    engine, clock, double_checked
):
    task_id = await a_task_about_one_answer(engine, clock, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.REJECT)
    await double_checked.decide(task_id, "bob", Outcome.APPROVE)

    assert await bad_answers(engine, clock) == (1, 0)


async def test_a_second_reviewer_rejecting_an_answer_the_first_approved_makes_it_bad(engine, clock, double_checked):
    task_id = await a_task_about_one_answer(engine, clock, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)
    await double_checked.decide(task_id, "bob", Outcome.REJECT)

    assert await bad_answers(engine, clock) == (1, 1)


async def test_a_rejection_set_aside_by_reopening_and_approving_does_not_make_the_answer_bad(engine, clock, reviews):
    task_id = await a_task_about_one_answer(engine, clock, reviews)
    await reviews.decide(task_id, "alice", Outcome.REJECT)
    await reviews.reopen(task_id, "bob", note="The fee changed: the answer was right")
    await reviews.decide(task_id, "bob", Outcome.APPROVE)

    assert await bad_answers(engine, clock) == (1, 0)


async def test_a_first_opinion_awaiting_the_second_reviewer_labels_nothing_yet(engine, clock, double_checked):
    task_id = await a_task_about_one_answer(engine, clock, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.REJECT)

    assert await bad_answers(engine, clock) == (1, 0)


async def a_thumbs_down(engine, interaction_id: str) -> None:
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": "support-bot",
            "user_id": "user-1",
            "thumbs": "down",
            "negative": True,
            "submitted_via": "app",
        }
    )


async def a_thumbed_down_answer_in_a_task(engine, clock, service) -> str:
    return await a_task_about_one_answer(engine, clock, service, thumbed_down=True)


async def test_an_end_users_thumbs_down_of_an_answer_the_standing_decision_approved_does_not_make_it_bad(
    engine, clock, reviews
):
    task_id = await a_thumbed_down_answer_in_a_task(engine, clock, reviews)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    assert await bad_answers(engine, clock) == (1, 0)


async def test_an_end_users_thumbs_down_with_no_decision_standing_makes_the_answer_bad(engine, clock, double_checked):
    task_id = await a_thumbed_down_answer_in_a_task(engine, clock, double_checked)
    # A first opinion awaiting the second reviewer: no decision stands yet.
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)

    assert await bad_answers(engine, clock) == (1, 1)


async def test_an_end_users_thumbs_down_of_an_answer_the_standing_decision_rejected_counts_it_bad_once(
    engine, clock, reviews
):
    task_id = await a_thumbed_down_answer_in_a_task(engine, clock, reviews)
    await reviews.decide(task_id, "alice", Outcome.REJECT)

    assert await bad_answers(engine, clock) == (1, 1)
