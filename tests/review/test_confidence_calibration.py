"""Calibration: how well each confidence measure separates answers that were later found bad."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gateway.review.calibration import auc, calibrate, catch_rate, threshold_for_review_rate
from gateway.review.confidence import ConfidenceFeatures


def features(confidence: float, tokens: int = 10, margin: float | None = 1.0) -> ConfidenceFeatures:
    mean = math.log(confidence)
    return ConfidenceFeatures(
        tokens=tokens,
        mean_logprob=mean,
        min_logprob=mean - 0.5,
        nll=-mean * tokens,
        nll_per_token=-mean,
        first_token_margin=margin,
        confidence=confidence,
    )


# -- AUC ------------------------------------------------------------------------------------------


def test_auc_is_one_when_every_bad_answer_scores_lowest() -> None:
    assert auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 1.0


def test_auc_is_zero_when_every_bad_answer_scores_highest() -> None:
    assert auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 0.0


def test_auc_of_unrelated_scores_is_about_one_half() -> None:
    generator = np.random.default_rng(7)
    scores = generator.random(4000)
    bad = generator.random(4000) < 0.2

    assert auc(scores.tolist(), bad.tolist()) == pytest.approx(0.5, abs=0.03)


def test_auc_counts_ties_as_half() -> None:
    # Pairs (bad, good): (1,2) (1,3) (2,2) (2,3) -> 1 + 1 + 0.5 + 1 = 3.5 of 4.
    assert auc([1.0, 2.0, 2.0, 3.0], [True, True, False, False]) == 0.875


def test_auc_of_all_equal_scores_is_one_half() -> None:
    assert auc([0.5] * 6, [True, False, True, False, False, False]) == 0.5


def test_auc_needs_both_kinds_of_answers() -> None:
    with pytest.raises(ValueError):
        auc([0.1, 0.2], [False, False])


# -- review rate, threshold and catch rate --------------------------------------------------------


def test_threshold_reviews_the_lowest_share_midway_between_neighbours() -> None:
    assert threshold_for_review_rate([float(n) for n in range(100)], 0.1) == 9.5


def test_threshold_leaves_answers_tied_at_the_cut_unreviewed() -> None:
    scores = [0.1, 0.2, 0.5, 0.5, 0.5, 0.9]

    threshold = threshold_for_review_rate(scores, 0.5)

    assert threshold == 0.5 and sum(s < threshold for s in scores) == 2


def test_threshold_for_a_zero_rate_reviews_nothing_and_for_a_full_rate_everything() -> None:
    scores = [0.3, 0.6, 0.9]

    assert sum(s < threshold_for_review_rate(scores, 0.0) for s in scores) == 0
    assert sum(s < threshold_for_review_rate(scores, 1.0) for s in scores) == 3


def test_catch_rate_at_a_ten_percent_review_rate() -> None:
    scores = [float(n) for n in range(100)]
    bad = [n in {0, 1, 2, 3, 4, 50, 60, 70, 80, 90} for n in range(100)]

    assert catch_rate(scores, bad, threshold_for_review_rate(scores, 0.1)) == 0.5


# -- the report -----------------------------------------------------------------------------------


def labelled(
    bad_confidences: list[float], good_confidences: list[float]
) -> list[tuple[ConfidenceFeatures | None, bool]]:
    return [(features(c), True) for c in bad_confidences] + [(features(c), False) for c in good_confidences]


def test_report_for_a_measure_that_separates_perfectly() -> None:
    samples = labelled([0.30 + 0.01 * i for i in range(10)], [0.80 + 0.001 * i for i in range(90)])

    report = calibrate(samples, review_rate=0.1)

    chosen = report.chosen
    assert (chosen.measure, chosen.auc, chosen.caught_share, chosen.reviewed_share) == ("confidence", 1.0, 1.0, 0.1)
    assert chosen.threshold == pytest.approx((0.39 + 0.80) / 2)
    assert (report.answers, report.bad, report.best) == (100, 10, "confidence")


def test_cost_like_measures_are_reviewed_from_the_top() -> None:
    samples = [(features(0.9, tokens=400), True) for _ in range(10)]
    samples += [(features(0.9, tokens=20 + i), False) for i in range(90)]

    tokens = next(m for m in calibrate(samples, review_rate=0.1).measures if m.measure == "tokens")

    assert (tokens.review_when, tokens.auc, tokens.caught_share) == ("above", 1.0, 1.0)
    assert tokens.threshold == pytest.approx((109 + 400) / 2)


def test_too_few_bad_answers_give_no_figures() -> None:
    report = calibrate(labelled([0.3] * 9, [0.9] * 200), min_per_class=10)

    assert report.chosen.auc is None and report.chosen.threshold is None and report.chosen.caught_share is None
    assert report.chosen.note == "not enough data: 9 bad and 200 good answers, need 10 of each"
    assert report.best is None


def test_too_few_good_answers_give_no_figures() -> None:
    report = calibrate(labelled([0.3] * 50, [0.9] * 3), min_per_class=5)

    assert report.chosen.auc is None and report.chosen.note is not None


def test_answers_without_logprobs_are_counted_apart() -> None:
    samples = [*labelled([0.3] * 5, [0.9] * 5), (None, True), (None, False)]

    report = calibrate(samples, min_per_class=5)

    assert (report.answers, report.bad, report.without_logprobs) == (10, 5, 2)


def test_a_measure_missing_on_some_answers_is_judged_on_the_others() -> None:
    samples = [(features(0.3, margin=None), True) for _ in range(5)] + labelled([0.3] * 5, [0.9] * 10)

    margin = next(m for m in calibrate(samples, min_per_class=5).measures if m.measure == "first_token_margin")

    assert (margin.answers, margin.bad) == (15, 5)


def test_unknown_chosen_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        calibrate([], chosen="vibes")
