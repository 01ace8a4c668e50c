"""The effect statistics on counts whose answers were worked out by hand (and against Newcombe's published example)."""

from __future__ import annotations

import math

import pytest

from gateway.effect.statistics import (
    GroupCounts,
    MinimumCounts,
    compare,
    fisher_exact_p_value,
    newcombe_interval,
    two_proportion_p_value,
    wilson_interval,
)
from gateway.effect.verdict import before_after_verdict, canary_verdict, feedback_share_warning


def test_wilson_interval_for_10_of_50():
    # p = 0.2, z² = 3.8415: centre (0.2 + 0.03841) / 1.07683 = 0.22141,
    # half-width 1.96 / 1.07683 * sqrt(0.0032 + 0.000384) = 0.10897.
    interval = wilson_interval(10, 50)

    assert interval.low == pytest.approx(0.11244, abs=1e-5)
    assert interval.high == pytest.approx(0.33037, abs=1e-5)


def test_wilson_interval_stays_inside_0_and_1():
    assert wilson_interval(0, 30).low == 0.0
    assert wilson_interval(0, 30).high == pytest.approx(3.8415 / (30 + 3.8415), abs=1e-4)  # z²/(n+z²) at k = 0
    assert wilson_interval(30, 30).high == 1.0


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), example (a): 56/70 - 48/80, method 10 gives 0.0524 to 0.3339.
    interval = newcombe_interval(48, 80, 56, 70)

    assert interval.low == pytest.approx(0.0524, abs=1e-4)
    assert interval.high == pytest.approx(0.3339, abs=1e-4)


def test_two_proportion_test_for_42_of_100_against_12_of_100():
    # Pooled 0.27: se = sqrt(0.27 * 0.73 * 0.02) = 0.062785, z = 0.30 / 0.062785 = 4.778.
    assert two_proportion_p_value(42, 100, 12, 100) == pytest.approx(math.erfc(4.7782 / math.sqrt(2)), rel=1e-3)
    assert two_proportion_p_value(42, 100, 12, 100) < 0.001


def test_two_proportion_test_with_no_variation_is_not_significant():
    assert two_proportion_p_value(0, 50, 0, 60) == 1.0


def test_compare_reports_rates_difference_test_and_feedback_share():
    before = GroupCounts(interactions=100, negative=42, with_feedback=60)
    after = GroupCounts(interactions=100, negative=12, with_feedback=30)

    result = compare(before, after)

    assert result.enough_data and result.reason is None
    assert result.first.negative_rate == 0.42 and result.second.negative_rate == 0.12
    assert result.difference == pytest.approx(-0.30)
    assert result.difference_ci is not None and result.difference_ci.high < 0 < 0.42
    assert result.p_value is not None and result.p_value < 0.001
    # Half as many people rated after the fix: the result says so beside the negative rate.
    assert result.first.feedback_share == 0.6 and result.second.feedback_share == 0.3
    assert result.feedback_share_difference == pytest.approx(-0.3)
    assert result.feedback_share_p_value is not None and result.feedback_share_p_value < 0.001
    assert "who bothers to rate" in result.note
    assert before_after_verdict(result, 0.05) == "negative rate fell from 42 % to 12 % (p < 0.001)"
    assert feedback_share_warning(result, 0.05) == (
        "the share of interactions with any feedback also changed, from 60 % to 30 % (p < 0.001): "
        "part of the change may be in who bothers to rate"
    )
    assert feedback_share_warning(compare(GroupCounts(100, 20, 50), GroupCounts(100, 17, 50)), 0.05) is None


def test_a_small_change_is_not_significant():
    result = compare(GroupCounts(100, 20, 50), GroupCounts(100, 17, 50))

    assert result.p_value == pytest.approx(two_proportion_p_value(20, 100, 17, 100))
    assert result.p_value > 0.5
    assert before_after_verdict(result, 0.05).startswith("no significant change: negative rate went from 20 % to 17 %")


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (
            GroupCounts(29, 10, 10),
            GroupCounts(100, 10, 50),
            "the before window has 29 interactions; at least 30 are needed (effect_min_interactions)",
        ),
        (
            GroupCounts(100, 10, 50),
            GroupCounts(200, 4, 4),
            "the after window has 4 interactions with feedback; at least 5 are needed (effect_min_with_feedback)",
        ),
    ],
)
def test_below_the_minimum_counts_there_is_not_enough_data(first, second, expected):
    result = compare(first, second, MinimumCounts(30, 5), ("the before window", "the after window"))

    assert not result.enough_data
    assert result.p_value is None and result.difference is None
    assert expected in (result.reason or "")
    assert before_after_verdict(result, 0.05).startswith("not enough data yet: ")
    # The counts and each group's own rate are still shown.
    assert result.second.counts == second and result.second.negative_rate == second.negative / second.interactions


def test_canary_verdict_names_the_lower_arm():
    result = compare(GroupCounts(200, 80, 120), GroupCounts(50, 6, 30))

    assert (
        canary_verdict(result, 0.05)
        == "negative rate is 12 % in the canary against 40 % in the rest: lower (p < 0.001)"
    )


def test_counts_must_nest():
    with pytest.raises(ValueError):
        GroupCounts(interactions=10, negative=5, with_feedback=4)


def test_few_negatives_are_judged_exactly_not_by_the_normal_approximation():
    # 0 of 30 against 4 of 30 passes the minimum counts; the z-test called it significant (p = 0.038), while
    # Fisher's exact test gives p = 0.112 (scipy.stats.fisher_exact([[0, 30], [4, 26]])): a "rise" that is not one.
    result = compare(GroupCounts(30, 0, 10), GroupCounts(30, 4, 10))

    assert result.p_value == pytest.approx(0.11239964317573597, rel=1e-6)
    assert not result.significant(0.05)
    assert before_after_verdict(result, 0.05).startswith("no significant change")
    assert result.test is not None and "Fisher" in result.test


def test_with_enough_expected_negatives_the_z_test_stands():
    result = compare(GroupCounts(100, 42, 50), GroupCounts(100, 12, 50))

    assert result.p_value == pytest.approx(two_proportion_p_value(42, 100, 12, 100))
    assert result.test is not None and "z-test" in result.test


def test_the_exact_test_agrees_with_scipy_on_every_small_table():
    # The test is written out (scipy.stats takes seconds to import in the gateway); scipy stays its reference.
    from scipy.stats import fisher_exact

    for n1, n2 in [(3, 7), (12, 12), (30, 200)]:
        for k1 in range(n1 + 1):
            for k2 in range(0, n2 + 1, max(1, n2 // 15)):
                expected = fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue
                assert fisher_exact_p_value(k1, n1, k2, n2) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_when_both_windows_are_short_the_reason_names_each_with_its_count():
    result = compare(
        GroupCounts(12, 6, 6), GroupCounts(7, 0, 6), MinimumCounts(30, 5), ("the before window", "the after window")
    )

    # Naming the before window alone read as if waiting for it were all: the after window is short too.
    assert result.reason == (
        "the before window has 12 interactions and the after window has 7; at least 30 are needed in each "
        "(effect_min_interactions)"
    )


def test_a_window_short_of_interactions_and_another_short_of_feedback_are_both_named():
    result = compare(
        GroupCounts(100, 2, 3), GroupCounts(8, 1, 8), MinimumCounts(30, 5), ("the before window", "the after window")
    )

    assert result.reason == (
        "the after window has 8 interactions; at least 30 are needed (effect_min_interactions); "
        "the before window has 3 interactions with feedback; at least 5 are needed (effect_min_with_feedback)"
    )


def test_a_window_short_of_both_counts_says_both():
    result = compare(
        GroupCounts(100, 10, 50), GroupCounts(4, 1, 2), MinimumCounts(30, 5), ("the before window", "the after window")
    )

    assert result.reason == (
        "the after window has 4 interactions; at least 30 are needed (effect_min_interactions); "
        "the after window has 2 interactions with feedback; at least 5 are needed (effect_min_with_feedback)"
    )
