"""The regression check's sequential test: known counts, the formula, and false alarms under many looks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from gateway.effect.sequential import (
    MSPRT,
    MSPRT_WITH_EXACT,
    log_mixture_likelihood_ratio,
    period_alpha,
    regression_verdict,
)
from gateway.effect.statistics import GroupCounts, compare


def counts(interactions: int, negative: int) -> GroupCounts:
    """`negative` of `interactions`, with a fifth of the rest rated too."""
    return GroupCounts(interactions, negative, negative + (interactions - negative) // 5)


def test_the_ratio_is_the_normal_mixture_of_likelihood_ratios():
    k1, n1, k2, n2, tau = 30, 400, 21, 150, 0.1
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    difference = k2 / n2 - k1 / n1

    def weighted_ratio(theta: float) -> float:
        ratio = math.exp((theta * difference - theta * theta / 2) / variance)
        return ratio * stats.norm.pdf(theta, scale=tau)

    mixed, _ = integrate.quad(weighted_ratio, -1, 1, points=[0.0, difference])

    assert log_mixture_likelihood_ratio(k1, n1, k2, n2, tau) == pytest.approx(math.log(mixed), rel=1e-9)
    assert log_mixture_likelihood_ratio(0, 400, 0, 150, tau) == 0.0  # nothing negative: no evidence


def test_the_periods_shares_add_up_to_alpha():
    assert [period_alpha(0.05, k) for k in (1, 2, 3)] == pytest.approx([0.025, 0.05 / 6, 0.05 / 12])
    assert math.fsum(period_alpha(0.05, k) for k in range(1, 100_000)) == pytest.approx(0.05, rel=1e-4)
    with pytest.raises(ValueError):
        period_alpha(0.05, 0)


def test_a_rate_that_climbs_far_is_a_regression_with_an_always_valid_p_value():
    verdict = regression_verdict(counts(300, 15), counts(100, 25), period=1, alpha=0.05)

    assert verdict.regressed and verdict.test == MSPRT
    assert verdict.log_likelihood_ratio is not None
    assert verdict.p_value == pytest.approx(2 * math.exp(-verdict.log_likelihood_ratio))
    assert verdict.p_value <= 0.05 and verdict.period_alpha == 0.025


def test_a_lower_rate_is_never_a_regression():
    verdict = regression_verdict(counts(300, 75), counts(300, 6), period=1, alpha=0.05)

    assert verdict.p_value is not None and verdict.p_value < 0.001  # strong evidence of a change…
    assert not verdict.regressed  # …for the better


def test_later_periods_need_more_evidence():
    baseline, latest = counts(400, 20), counts(150, 22)  # 5 % against 15 %

    first, sixth = (regression_verdict(baseline, latest, period, alpha=0.05) for period in (1, 6))
    assert first.regressed and first.p_value == pytest.approx(0.0092, abs=1e-4)
    assert not sixth.regressed and sixth.p_value == pytest.approx(21 * first.p_value)  # 6 * 7 / (1 * 2)


def test_in_small_cells_fishers_exact_test_must_agree():
    # One complaint in 30 against none in 1,000: the normal approximation calls it overwhelming…
    one = regression_verdict(GroupCounts(1000, 0, 200), GroupCounts(30, 1, 6), period=1, alpha=0.05)
    assert one.p_value is not None and one.p_value < 1e-4
    # …but exactly p = 30 / 1030 = 0.029, above the first period's 0.025: not a regression.
    assert one.comparison.p_value == pytest.approx(30 / 1030)
    assert not one.regressed and one.test == MSPRT_WITH_EXACT
    four = regression_verdict(GroupCounts(1000, 0, 200), GroupCounts(30, 4, 6), period=1, alpha=0.05)
    assert four.regressed and four.test == MSPRT_WITH_EXACT


def test_too_little_data_is_no_verdict():
    verdict = regression_verdict(counts(300, 15), counts(29, 20), period=1, alpha=0.05)

    assert not verdict.regressed and verdict.p_value is None and verdict.test is None
    assert verdict.comparison.reason is not None and "at least 30" in verdict.comparison.reason


WINDOW = 14 * 24  # hours


def simulate(climb: float, fixes: int, seed: int) -> tuple[float, float]:
    """Of `fixes` fixes looked at every hour for 30 days, the share each rule reopened: (fixed test, sequential).

    Each topic gets 100 interactions a day, 8 % negative, climbing `climb` at day 16; the fixed test is the
    old check (equal first and latest windows of half the time since the fix, p < 0.05 at every look).
    """
    rng = np.random.default_rng(seed)
    hours = 30 * 24
    interactions = rng.poisson(100 / 24, size=(fixes, hours))
    rate = np.full(hours, 0.08)
    rate[16 * 24 :] += climb
    negative = rng.binomial(interactions, rate)
    rated = negative + rng.binomial(interactions - negative, 0.2)
    cumulative = np.zeros((fixes, hours + 1, 3), dtype=np.int64)
    cumulative[:, 1:] = np.stack([interactions, negative, rated], axis=2).cumsum(axis=1)

    def window(fix: int, since: int, until: int) -> GroupCounts:
        return GroupCounts(*(cumulative[fix, until] - cumulative[fix, since]).tolist())

    fixed = sequential = 0
    for fix in range(fixes):
        for measured in range(1, hours):
            span = min(WINDOW, measured // 2)
            result = compare(window(fix, 0, span), window(fix, measured - span, measured))
            if result.difference is not None and result.difference > 0 and result.significant(0.05):
                fixed += 1
                break
        for measured in range(WINDOW + 1, hours):
            period = (measured - WINDOW) // WINDOW + 1
            latest = window(fix, WINDOW * period, measured)
            if regression_verdict(window(fix, 0, WINDOW), latest, period, 0.05).regressed:
                sequential += 1
                break
    return fixed / fixes, sequential / fixes


def test_a_working_fix_looked_at_every_hour_for_a_month_is_reopened_at_most_alpha_of_the_time():
    fixed, sequential = simulate(climb=0.0, fixes=100, seed=3)

    assert fixed > 4 * 0.05  # what looking every hour does to a fixed-sample test
    assert sequential <= 0.05


def test_a_rate_that_climbs_back_is_caught_within_the_month():
    _, sequential = simulate(climb=0.15, fixes=40, seed=5)

    assert sequential >= 0.9
