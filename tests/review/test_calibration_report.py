"""Per-app calibration over stored answers with log-probabilities, labelled by feedback and review decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from calibration_seed import store_answers
from review_seed import Clock, give_feedback

from gateway.domain.errors import InvalidQuery
from gateway.review.calibration_report import CalibrationReports
from gateway.review.records import Outcome, Priority, Source
from gateway.store.confidence_samples import ConfidenceSampleStore
from gateway.store.feedback import FeedbackStore

BAD = [0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42, 0.44, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.45]
GOOD = [0.85 + 0.1 * n / 29 for n in range(30)]


def reports(engine, clock: Clock, max_answers: int = 50_000) -> CalibrationReports:
    return CalibrationReports(ConfidenceSampleStore(engine), {"support-bot": 0.7}, clock=clock, max_answers=max_answers)


async def thumbs_up(engine, interaction_id: str, user_id: str = "user-1") -> None:
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": "support-bot",
            "user_id": user_id,
            "thumbs": "up",
            "negative": False,
            "submitted_via": "app",
        }
    )


async def review(reviews, interaction_ids: list[str], outcome: Outcome) -> None:
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Check these",
        priority=Priority.LOW,
        interaction_ids=interaction_ids,
    )
    correction = "The fee is 1%." if outcome is Outcome.CORRECT else None
    await reviews.decide(opened.task.task.id, "alice", outcome, correction=correction)


@pytest.fixture
async def labelled(engine, reviews, clock) -> dict[str, list[str]]:
    """15 low-confidence answers found bad (feedback, a rejection, a correction) and 30 sure ones that were fine."""
    when = clock.now - timedelta(days=1)
    bad = await store_answers(engine, BAD, when)
    good = await store_answers(engine, GOOD, when)
    for interaction_id in bad[:8]:
        await give_feedback(engine, interaction_id)
    await review(reviews, bad[8:12], Outcome.REJECT)
    await review(reviews, bad[12:], Outcome.CORRECT)
    # Not bad: a user who changed their mind, and an approval.
    await give_feedback(engine, good[0], user_id="user-9")
    await thumbs_up(engine, good[0], user_id="user-9")
    await review(reviews, good[1:3], Outcome.APPROVE)
    # Outside the report: no log-probabilities, too old, another app.
    await store_answers(engine, [None, None], when)
    await store_answers(engine, [0.2], clock.now - timedelta(days=40))
    for interaction_id in await store_answers(engine, [0.99] * 3, when, app="other-bot"):
        await give_feedback(engine, interaction_id, app="other-bot")
    return {"bad": bad, "good": good}


async def test_well_separated_answers_give_an_auc_of_one_and_a_threshold_between_the_groups(engine, clock, labelled):
    calibration = await reports(engine, clock).report("support-bot", review_rate=1 / 3)

    report = calibration.report
    assert (calibration.chat_answers, report.answers, report.bad, report.without_logprobs) == (47, 45, 15, 0)
    assert calibration.enough_data and not calibration.capped
    assert calibration.current_threshold == 0.7
    chosen = report.chosen
    assert chosen.measure == "confidence"
    assert chosen.auc == pytest.approx(1.0)
    assert max(BAD) < chosen.threshold < min(GOOD)
    assert chosen.threshold == pytest.approx((max(BAD) + min(GOOD)) / 2, abs=1e-6)
    assert (chosen.reviewed_share, chosen.caught_share) == (pytest.approx(1 / 3), 1.0)
    assert {m.measure for m in report.measures} == {"confidence", "min_logprob", "nll", "first_token_margin", "tokens"}


async def test_at_a_smaller_review_rate_the_catch_rate_is_what_that_many_reviews_can_find(engine, clock, labelled):
    calibration = await reports(engine, clock).report("support-bot", review_rate=0.2)

    chosen = calibration.report.chosen
    # 45 answers x 0.2 = 9 reviewed, all of them among the 15 bad ones.
    assert chosen.reviewed_share == pytest.approx(9 / 45)
    assert chosen.caught_share == pytest.approx(9 / 15)
    assert chosen.auc == pytest.approx(1.0)


async def test_too_few_labelled_answers_is_not_enough_data(engine, clock):
    when = clock.now - timedelta(hours=1)
    ids = await store_answers(engine, [0.3, 0.35, 0.4] + [0.9] * 20, when)
    for interaction_id in ids[:3]:
        await give_feedback(engine, interaction_id)

    calibration = await reports(engine, clock).report("support-bot")

    assert not calibration.enough_data
    chosen = calibration.report.chosen
    assert (chosen.auc, chosen.threshold, chosen.caught_share) == (None, None, None)
    assert chosen.note.startswith("not enough data: 3 bad and 20 good answers")


async def test_an_app_without_answers_is_not_enough_data(engine, clock):
    calibration = await reports(engine, clock).report("nobody")

    assert (calibration.chat_answers, calibration.report.answers, calibration.enough_data) == (0, 0, False)
    assert calibration.current_threshold is None


async def test_the_newest_answers_up_to_the_cap_are_read(engine, clock, labelled):
    calibration = await reports(engine, clock, max_answers=20).report("support-bot")

    assert calibration.capped
    assert calibration.report.answers == 20


async def test_the_window_selects_by_creation_time(engine, clock, labelled):
    old = await reports(engine, clock).report(
        "support-bot", since=clock.now - timedelta(days=60), until=clock.now - timedelta(days=30)
    )

    assert (old.chat_answers, old.report.answers, old.report.bad) == (1, 1, 0)


async def test_a_bad_review_rate_or_range_is_refused(engine, clock):
    with pytest.raises(InvalidQuery) as refused:
        await reports(engine, clock).report("support-bot", review_rate=1.5)
    assert refused.value.field == "review_rate"
    with pytest.raises(InvalidQuery) as backwards:
        await reports(engine, clock).report("support-bot", since=clock.now, until=clock.now - timedelta(days=1))
    assert backwards.value.field == "since"
