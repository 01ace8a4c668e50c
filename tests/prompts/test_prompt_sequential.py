"""The guarded rollout's sequential test: known counts, and false alarms under many looks."""

from __future__ import annotations

import math

import numpy as np

from gateway.prompts.sequential import ArmCounts, canary_verdict, log_mixture_likelihood_ratio


def test_a_clearly_worse_canary_is_an_alarm():
    verdict = canary_verdict(ArmCounts(200, 40), ArmCounts(2000, 100))

    assert verdict.worse and verdict.enough_data
    assert verdict.difference == 0.2 - 0.05
    assert verdict.log_likelihood_ratio > verdict.log_bound == math.log(20)


def test_equal_rates_and_a_better_canary_are_not():
    assert not canary_verdict(ArmCounts(200, 10), ArmCounts(2000, 100)).worse
    better = canary_verdict(ArmCounts(2000, 20), ArmCounts(2000, 200))
    assert better.log_likelihood_ratio > better.log_bound  # strong evidence of a difference…
    assert not better.worse  # …in the canary's favour: no rollback


def test_a_small_difference_on_few_counts_is_not_enough():
    assert not canary_verdict(ArmCounts(150, 12), ArmCounts(1500, 90)).worse  # 8 % against 6 %


def test_nothing_is_judged_below_the_minimum_count():
    verdict = canary_verdict(ArmCounts(99, 99), ArmCounts(5000, 0))

    assert not verdict.worse and not verdict.enough_data


def test_no_negative_feedback_at_all_is_no_evidence():
    assert log_mixture_likelihood_ratio(ArmCounts(500, 0), ArmCounts(5000, 0), 0.05) == 0.0


def simulate(canary_rate: float, rest_rate: float, runs: int, looks: int, per_look: int, share: float, seed: int):
    """For each simulated rollout, whether the mSPRT (and a naive z-test) ever alarmed over `looks` hourly looks."""
    rng = np.random.default_rng(seed)
    canary_n = rng.binomial(per_look, share, size=(runs, looks))
    rest_n = per_look - canary_n
    canary_neg = rng.binomial(canary_n, canary_rate).cumsum(axis=1)
    rest_neg = rng.binomial(rest_n, rest_rate).cumsum(axis=1)
    canary_n, rest_n = canary_n.cumsum(axis=1), rest_n.cumsum(axis=1)
    msprt = np.zeros(runs, dtype=bool)
    naive = np.zeros(runs, dtype=bool)
    for run in range(runs):
        for look in range(looks):
            c = ArmCounts(int(canary_n[run, look]), int(canary_neg[run, look]))
            r = ArmCounts(int(rest_n[run, look]), int(rest_neg[run, look]))
            verdict = canary_verdict(c, r)
            if verdict.worse:
                msprt[run] = True
            if verdict.enough_data and not naive[run]:
                pooled = (c.negative + r.negative) / (c.interactions + r.interactions)
                se = math.sqrt(pooled * (1 - pooled) * (1 / c.interactions + 1 / r.interactions)) or 1
                naive[run] = verdict.difference / se > 1.645  # a one-sided 5 % z-test at every look
            if msprt[run] and naive[run]:
                break
    return msprt.mean(), naive.mean()


def test_equal_rates_over_a_week_of_hourly_looks_stay_under_alpha():
    # 300 canaries at 10 % of 300 interactions an hour, 8 % negative in both arms, looked at 168 times.
    msprt, naive = simulate(0.08, 0.08, runs=300, looks=168, per_look=300, share=0.1, seed=7)

    assert msprt <= 0.05
    assert naive > 2 * 0.05  # what looking every hour does to a fixed-sample test


def test_a_clearly_worse_canary_is_caught_within_the_week():
    caught, _ = simulate(0.16, 0.08, runs=100, looks=168, per_look=300, share=0.1, seed=11)

    assert caught >= 0.95
