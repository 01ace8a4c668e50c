"""Calibration on answers of `n` > 1 choices: only judgements of the choice the gate measures label an answer bad.

The gate reads confidence from the first choice alone (gateway.review.confidence), so feedback or a reviewer's
reject or correct naming another choice says nothing of that measure: it is left out, and the answer counts as
one nobody found bad (docs/review.md, "Calibration"). Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from calibration_seed import store_answers

from gateway.review.calibration_report import CalibrationReports
from gateway.review.confidence import SCORED_CHOICE
from gateway.review.records import Outcome, Priority, Source
from gateway.store.confidence_samples import ConfidenceSampleStore
from gateway.store.feedback import FeedbackStore


def reports(engine, clock) -> CalibrationReports:
    return CalibrationReports(ConfidenceSampleStore(engine), {"support-bot": 0.7}, clock=clock)


async def an_answer_of_two_choices(engine, clock) -> str:
    (interaction_id,) = await store_answers(engine, [0.4], clock.now - timedelta(hours=1), n=2)
    return interaction_id


async def vote(engine, interaction_id: str, *, choice: int, negative: bool = True, user_id: str = "user-1") -> None:
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": "support-bot",
            "user_id": user_id,
            "thumbs": "down" if negative else "up",
            "negative": negative,
            "submitted_via": "app",
            "choice": choice,
        }
    )


async def decide(reviews, interaction_id: str, outcome: Outcome, choice: int | None) -> None:
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Check this answer",
        priority=Priority.LOW,
        interaction_ids=[interaction_id],
    )
    correction = "The fee is 1%." if outcome is Outcome.CORRECT else None
    await reviews.decide(opened.task.task.id, "alice", outcome, correction=correction, choice=choice)


async def bad_answers(engine, clock) -> tuple[int, int]:
    report = (await reports(engine, clock).report("support-bot")).report
    return report.answers, report.bad


def test_the_gate_measures_the_first_choice() -> None:
    assert SCORED_CHOICE == 0


async def test_negative_feedback_on_another_choice_leaves_the_answer_unlabelled(engine, clock):
    interaction_id = await an_answer_of_two_choices(engine, clock)
    await vote(engine, interaction_id, choice=1)

    assert await bad_answers(engine, clock) == (1, 0)


async def test_negative_feedback_on_the_measured_choice_makes_the_answer_bad(engine, clock):
    interaction_id = await an_answer_of_two_choices(engine, clock)
    await vote(engine, interaction_id, choice=0)

    assert await bad_answers(engine, clock) == (1, 1)


async def test_one_voter_on_each_choice_the_one_on_the_measured_choice_counts(engine, clock):
    interaction_id = await an_answer_of_two_choices(engine, clock)
    await vote(engine, interaction_id, choice=1, user_id="user-1")
    await vote(engine, interaction_id, choice=0, user_id="user-2")

    assert await bad_answers(engine, clock) == (1, 1)


@pytest.mark.parametrize("outcome", [Outcome.REJECT, Outcome.CORRECT])
async def test_a_reviewer_judging_another_choice_bad_leaves_the_answer_unlabelled(engine, clock, reviews, outcome):
    interaction_id = await an_answer_of_two_choices(engine, clock)
    await decide(reviews, interaction_id, outcome, choice=1)

    assert await bad_answers(engine, clock) == (1, 0)


@pytest.mark.parametrize("choice", [0, None])
async def test_a_reviewer_rejecting_the_measured_choice_makes_the_answer_bad(engine, clock, reviews, choice):
    interaction_id = await an_answer_of_two_choices(engine, clock)
    await decide(reviews, interaction_id, Outcome.REJECT, choice=choice)

    assert await bad_answers(engine, clock) == (1, 1)


async def test_a_rejected_pattern_of_several_answers_still_counts_for_each(engine, clock, reviews):
    # A task of several interactions names no choice: it judges the answers as a pattern, as before.
    ids = await store_answers(engine, [0.4, 0.5], clock.now - timedelta(hours=1), n=2)
    opened = await reviews.open_or_update(
        app="support-bot", source=Source.MANUAL, reason="A pattern", priority=Priority.LOW, interaction_ids=ids
    )
    await reviews.decide(opened.task.task.id, "alice", Outcome.REJECT)

    assert await bad_answers(engine, clock) == (2, 2)
