"""The guarded rollout's test: is the canary's negative rate worse than the rest's, however often we look?

(The statistic itself is gateway.effect.sequential's, which the regression check uses too.)

A fixed-sample test (a z-test at 5 %) checked every hour raises a false alarm far more often
than 5 % of the time: each look is another chance for noise to cross the line. Instead this
is a *mixture sequential probability ratio test* (mSPRT; Robbins 1970, as used for A/B tests
by Johari, Pekelis and Walsh, "Always valid inference", 2017). For the difference in negative
rates θ = p_canary - p_rest, estimated by θ̂ with (pooled, null) variance V, the likelihood
ratio of "θ ~ Normal(0, τ²)" against "θ = 0" is

    Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))

Under θ = 0, Λ is (approximately, by the normal approximation to the counts) a nonnegative
martingale with mean 1, so by Ville's inequality P(Λ ever reaches 1/α) ≤ α: the false-alarm
rate stays at most α (default 5 %) no matter how many times, or how irregularly, the guard
looks. The alarm is one-sided: it fires only when Λ ≥ 1/α *and* the canary is the worse arm.
Equivalently 1/Λ (capped at 1, kept as a running minimum) is an always-valid p-value.

τ is the size of difference the test is tuned to find fastest: 0.05 (five percentage points
of negative rate) by default. The normal approximation needs counts, so nothing is judged
before each arm has `min_interactions` interactions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gateway.effect.sequential import log_mixture_likelihood_ratio as mixture_log_ratio

DEFAULT_ALPHA = 0.05
DEFAULT_MIXTURE_SD = 0.05
DEFAULT_MIN_INTERACTIONS = 100


@dataclass(frozen=True, slots=True)
class ArmCounts:
    """One arm's interactions and how many of them got negative feedback."""

    interactions: int
    negative: int

    @property
    def rate(self) -> float:
        """The share of interactions with negative feedback (0 for an empty arm)."""
        return self.negative / self.interactions if self.interactions else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the test says about a canary now, with the figures behind it."""

    # The canary is worse beyond the test's bound: roll it back.
    worse: bool
    # False: too few interactions in an arm to judge yet (`worse` is then False).
    enough_data: bool
    canary: ArmCounts
    rest: ArmCounts
    # log Λ, the mixture likelihood ratio's logarithm (0 when not computed).
    log_likelihood_ratio: float
    # log(1/α): the bound log Λ must reach.
    log_bound: float

    @property
    def difference(self) -> float:
        """Canary rate minus the rest's rate."""
        return self.canary.rate - self.rest.rate


def log_mixture_likelihood_ratio(canary: ArmCounts, rest: ArmCounts, mixture_sd: float) -> float:
    """log Λ of the normal-mixture SPRT for the difference of the two arms' negative rates."""
    return mixture_log_ratio(rest.negative, rest.interactions, canary.negative, canary.interactions, mixture_sd)


def canary_verdict(
    canary: ArmCounts,
    rest: ArmCounts,
    alpha: float = DEFAULT_ALPHA,
    mixture_sd: float = DEFAULT_MIXTURE_SD,
    min_interactions: int = DEFAULT_MIN_INTERACTIONS,
) -> Verdict:
    """Whether the canary's negative rate is worse than the rest's beyond the mSPRT bound at level `alpha`."""
    log_bound = math.log(1 / alpha)
    enough = min(canary.interactions, rest.interactions) >= max(min_interactions, 1)
    if not enough:
        return Verdict(False, False, canary, rest, 0.0, log_bound)
    log_ratio = log_mixture_likelihood_ratio(canary, rest, mixture_sd)
    worse = canary.rate > rest.rate and log_ratio >= log_bound
    return Verdict(worse, True, canary, rest, log_ratio, log_bound)
