"""Always-valid tests of a negative rate that is checked again and again as data arrives.

A fixed-sample test (p < 0.05) repeated at every look raises a false alarm far more often than
5 % of the time: each look is another chance for noise to cross the line. The rules that look
often (the prompt canary guard, the regression check after each clustering pass) use instead a
*mixture sequential probability ratio test* (mSPRT; Robbins 1970, for A/B tests Johari, Pekelis
and Walsh, "Always valid inference", 2017). For the difference of two negative rates
θ = p_second - p_first, estimated by θ̂ with (pooled, null) variance V, the likelihood ratio of
"θ ~ Normal(0, τ²)" against "θ = 0" is

    Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))

While both samples only grow (new interactions are added, none are taken away), θ̂ / V is a
Brownian motion in the information 1 / V, so under θ = 0 Λ is (up to the normal approximation
to the counts) a nonnegative martingale with mean 1, and by Ville's inequality
P(Λ ever reaches 1/α) ≤ α: the false-alarm rate stays at most α however often, or however
irregularly, anyone looks. That holds as well when one sample is fixed (a baseline) and only the
other grows. 1/Λ is the always-valid p-value: its smallest value ever is still a p-value.

τ is the size of difference the test finds fastest; any τ keeps the guarantee.

The regression check runs for as long as a fix is live, so it splits the time after the fix's
baseline into periods and gives period k the share α / (k (k + 1)) of the budget (a half, a sixth,
a twelfth…, which add up to α): each period starts its evidence afresh, so a regression months
after the fix is not diluted by the months it was fine, and the whole check still raises a false
alarm with probability at most α.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gateway.effect.statistics import EXACT_TEST, Comparison, GroupCounts, MinimumCounts, compare

MSPRT = "mixture sequential probability ratio test"
MSPRT_WITH_EXACT = f"{MSPRT}, with Fisher's exact test required to agree (a cell expects fewer than 5 counts)"
# The regression check's mixture: a fix's topic is small (tens of interactions a day) and a rate that
# climbs back usually climbs by tens of points, so the test is tuned to differences of about 10 points.
REGRESSION_MIXTURE_SD = 0.10


def log_mixture_likelihood_ratio(k1: int, n1: int, k2: int, n2: int, mixture_sd: float) -> float:
    """log Λ of the normal-mixture SPRT for k2/n2 - k1/n1 (0: no evidence, when no rate varies or a group is empty)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:  # every interaction negative, or none: no evidence either way
        return 0.0
    difference = k2 / n2 - k1 / n1
    tau2 = mixture_sd * mixture_sd
    return 0.5 * math.log(variance / (variance + tau2)) + tau2 * difference * difference / (
        2 * variance * (variance + tau2)
    )


def period_alpha(alpha: float, period: int) -> float:
    """Period `period`'s (1, 2, …) share of the false-alarm budget `alpha`: alpha / (period (period + 1)), summing to alpha."""
    if period < 1:
        raise ValueError("periods are numbered from 1")
    return alpha / (period * (period + 1))


@dataclass(frozen=True, slots=True)
class RegressionVerdict:
    """A fix's baseline against its current period: the fixed-sample figures and the always-valid verdict."""

    # The rates, intervals and the fixed-sample test (z or Fisher's exact) of the two windows.
    comparison: Comparison
    # Which period after the baseline the latest window is (1 for the first), and its share of alpha.
    period: int
    alpha: float
    period_alpha: float
    # log Λ of the mSPRT (None without enough data).
    log_likelihood_ratio: float | None
    # The always-valid p-value of the whole check, min(1, k (k + 1) / Λ): it reopens when this is at most alpha.
    p_value: float | None
    regressed: bool
    # MSPRT, or MSPRT_WITH_EXACT when a cell was too small for the normal approximation alone.
    test: str | None


def regression_verdict(
    baseline: GroupCounts,
    latest: GroupCounts,
    period: int,
    alpha: float,
    minimum: MinimumCounts = MinimumCounts(),
    names: tuple[str, str] = ("the first window after the fix", "the latest window"),
    mixture_sd: float = REGRESSION_MIXTURE_SD,
) -> RegressionVerdict:
    """Whether `latest` (period `period`'s interactions so far) has a negative rate above `baseline`'s beyond the
    mSPRT's bound for the period's share of `alpha`.

    When a cell of the 2x2 table expects fewer than 5 counts, the normal approximation behind Λ is not trusted
    alone: Fisher's exact test at the period's level must agree as well.
    """
    share = period_alpha(alpha, period)
    comparison = compare(baseline, latest, minimum, names)
    if not comparison.enough_data or comparison.difference is None:
        return RegressionVerdict(comparison, period, alpha, share, None, None, False, None)
    log_ratio = log_mixture_likelihood_ratio(
        baseline.negative, baseline.interactions, latest.negative, latest.interactions, mixture_sd
    )
    p_value = min(1.0, math.exp(math.log(period * (period + 1)) - log_ratio))
    regressed = comparison.difference > 0 and p_value <= alpha
    test = MSPRT
    if comparison.test == EXACT_TEST:
        assert comparison.p_value is not None
        regressed = regressed and comparison.p_value < share
        test = MSPRT_WITH_EXACT
    return RegressionVerdict(comparison, period, alpha, share, log_ratio, p_value, regressed, test)
