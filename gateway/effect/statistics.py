"""Comparing two groups' negative-feedback rates: intervals, the difference, a test, and when there is too little data.

Pure arithmetic on counts, no database. For each group: n interactions, k of them negative (their
current feedback is negative), f with any feedback. The negative rate is k / n — over every
interaction, not only the rated ones — and the feedback share f / n is reported beside it,
because a fix can change who bothers to rate: a falling negative rate with a falling feedback
share may mean fewer people complain, not fewer problems.

- Each rate's 95 % interval is Wilson's score interval (right near 0 and with small n, unlike
  the normal approximation).
- The difference (second minus first) has Newcombe's hybrid score interval (his method 10),
  built from the two Wilson intervals.
- The test is the two-sided two-proportion z-test with the pooled rate, or Fisher's exact test when
  a cell of the 2x2 table expects fewer than 5 counts: there the normal approximation claims
  significance the data lack (0 of 30 against 4 of 30: z-test p = 0.038, exact p = 0.112).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.counted import counted

# The normal quantile for a two-sided 95 % interval.
Z95 = 1.959963984540054
# Below this many expected counts in a cell of the 2x2 table, the z-test gives way to Fisher's exact test.
MIN_EXPECTED_FOR_Z_TEST = 5.0
Z_TEST = "two-sided two-proportion z-test with the pooled rate"
EXACT_TEST = "two-sided Fisher's exact test (a cell expects fewer than 5 counts, too few for the z-test)"

FEEDBACK_NOTE = (
    "The negative rate counts every interaction in the group; the share that got any feedback is shown beside it "
    "because a fix can change who bothers to rate."
)


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """One group's interactions, how many have negative current feedback, and how many have any feedback."""

    interactions: int
    negative: int
    with_feedback: int

    def __post_init__(self) -> None:
        if not 0 <= self.negative <= self.with_feedback <= self.interactions:
            raise ValueError(f"counts must satisfy 0 <= negative <= with_feedback <= interactions: {self}")


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float


@dataclass(frozen=True, slots=True)
class MinimumCounts:
    """Below these counts in either group, a comparison says "not enough data yet"."""

    interactions: int = 30
    with_feedback: int = 5


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A group's counts with its negative rate and feedback share, each with a Wilson 95 % interval (None when empty)."""

    counts: GroupCounts
    negative_rate: float | None
    negative_rate_ci: Interval | None
    feedback_share: float | None
    feedback_share_ci: Interval | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two groups compared (`second` minus `first`): figures are None when there is not enough data (`reason` says why)."""

    first: GroupSummary
    second: GroupSummary
    enough_data: bool
    reason: str | None
    # second's negative rate minus first's, with Newcombe's hybrid score 95 % interval.
    difference: float | None
    difference_ci: Interval | None
    # Two-sided test of the negative rates (`test` names it: the pooled z-test, or Fisher's exact test).
    p_value: float | None
    # The same test of the feedback shares: a small value means the fix changed who rates.
    feedback_share_difference: float | None
    feedback_share_p_value: float | None
    note: str = FEEDBACK_NOTE
    # Which test gave `p_value` (Z_TEST or EXACT_TEST; None without enough data).
    test: str | None = None

    def significant(self, alpha: float) -> bool:
        """Whether the negative rates differ at level `alpha` (False without enough data)."""
        return self.p_value is not None and self.p_value < alpha


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Interval:
    """Wilson's score interval for `successes` out of `trials` (trials > 0)."""
    if trials <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # At 0 or n successes the end is exactly 0 or 1; elsewhere clamped against rounding.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(low, high)


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> Interval:
    """Newcombe's hybrid score interval (method 10) for k2/n2 - k1/n1."""
    p1, p2 = k1 / n1, k2 / n2
    first, second = wilson_interval(k1, n1, z), wilson_interval(k2, n2, z)
    difference = p2 - p1
    low = difference - math.sqrt((p2 - second.low) ** 2 + (first.high - p1) ** 2)
    high = difference + math.sqrt((second.high - p2) ** 2 + (p1 - first.low) ** 2)
    return Interval(max(-1.0, low), min(1.0, high))


def two_proportion_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """The two-sided p-value of the pooled two-proportion z-test of k1/n1 against k2/n2 (1.0 when both are 0 % or 100 %)."""
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (k2 / n2 - k1 / n1) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def fisher_exact_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """The two-sided p-value of Fisher's exact test of k1/n1 against k2/n2: the chance, with the margins fixed,
    of a table no more likely than the one observed (as scipy.stats.fisher_exact computes it)."""
    total, n = k1 + k2, n1 + n2

    def log_probability(x: int) -> float:
        return _log_choose(n1, x) + _log_choose(n2, total - x) - _log_choose(n, total)

    observed = log_probability(k1)
    # The same relative tolerance as scipy, so tables as likely as the observed one count despite rounding.
    bar = observed + math.log1p(1e-7)
    tables = (log_probability(x) for x in range(max(0, total - n2), min(total, n1) + 1))
    return min(1.0, math.fsum(math.exp(p) for p in tables if p <= bar))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def proportions_p_value(k1: int, n1: int, k2: int, n2: int) -> tuple[float, str]:
    """The two-sided p-value of k1/n1 against k2/n2 and the test that gave it: the pooled z-test, or Fisher's
    exact test when a cell of the table expects fewer than MIN_EXPECTED_FOR_Z_TEST counts."""
    total, n = k1 + k2, n1 + n2
    expected = min(n1, n2) * min(total, n - total) / n
    if expected < MIN_EXPECTED_FOR_Z_TEST:
        return fisher_exact_p_value(k1, n1, k2, n2), EXACT_TEST
    return two_proportion_p_value(k1, n1, k2, n2), Z_TEST


def summarise(counts: GroupCounts) -> GroupSummary:
    """A group's rates and intervals."""
    n = counts.interactions
    if n == 0:
        return GroupSummary(counts, None, None, None, None)
    return GroupSummary(
        counts,
        negative_rate=counts.negative / n,
        negative_rate_ci=wilson_interval(counts.negative, n),
        feedback_share=counts.with_feedback / n,
        feedback_share_ci=wilson_interval(counts.with_feedback, n),
    )


def shortfalls(groups: Sequence[tuple[str, GroupCounts]], minimum: MinimumCounts) -> str | None:
    """Why the named `groups` are too little to judge, naming every group short of each minimum with its count (the
    before window alone named read as if waiting for it were all, when the after window was short too); None: enough.

    E.g. "the before window has 12 interactions and the after window has 7; at least 30 are needed in each
    (effect_min_interactions)".
    """
    said = [
        _short_of(groups, minimum.interactions, "interactions", "effect_min_interactions", ""),
        _short_of(groups, minimum.with_feedback, "with_feedback", "effect_min_with_feedback", " with feedback"),
    ]
    return "; ".join(part for part in said if part) or None


def _short_of(groups: Sequence[tuple[str, GroupCounts]], needed: int, count: str, setting: str, what: str) -> str:
    """The groups whose `count` is below `needed`, each with its count, and the setting that asks for it; "": none."""
    short = [(name, getattr(counts, count)) for name, counts in groups if getattr(counts, count) < needed]
    if not short:
        return ""
    (name, number), *others = short
    said = f"{name} has {counted(number, 'interaction')}{what}"
    said += "".join(f" and {other} has {other_number}" for other, other_number in others)
    each = " in each" if others else ""
    return f"{said}; at least {needed} are needed{each} ({setting})"


def shortfall(counts: GroupCounts, minimum: MinimumCounts, name: str) -> str | None:
    """Why `counts` is too little to judge (naming the group `name`), or None when it is enough."""
    # The setting is named: a small app may never reach the default, and lowering it is the way on.
    if counts.interactions < minimum.interactions:
        return (
            f"{name} has {counted(counts.interactions, 'interaction')}; at least {minimum.interactions} are needed "
            "(effect_min_interactions)"
        )
    if counts.with_feedback < minimum.with_feedback:
        return (
            f"{name} has {counted(counts.with_feedback, 'interaction')} with feedback; at least {minimum.with_feedback} are "
            "needed (effect_min_with_feedback)"
        )
    return None


def compare(
    first: GroupCounts,
    second: GroupCounts,
    minimum: MinimumCounts = MinimumCounts(),
    names: tuple[str, str] = ("the first group", "the second group"),
) -> Comparison:
    """Compare `second`'s negative rate with `first`'s; "not enough data yet" below `minimum` in either group."""
    one, two = summarise(first), summarise(second)
    reason = shortfalls(((names[0], first), (names[1], second)), minimum)
    if reason is not None:
        return Comparison(one, two, False, reason, None, None, None, None, None)
    n1, n2 = first.interactions, second.interactions
    assert one.negative_rate is not None and two.negative_rate is not None
    assert one.feedback_share is not None and two.feedback_share is not None
    p_value, test = proportions_p_value(first.negative, n1, second.negative, n2)
    return Comparison(
        one,
        two,
        enough_data=True,
        reason=None,
        difference=two.negative_rate - one.negative_rate,
        difference_ci=newcombe_interval(first.negative, n1, second.negative, n2),
        p_value=p_value,
        feedback_share_difference=two.feedback_share - one.feedback_share,
        feedback_share_p_value=proportions_p_value(first.with_feedback, n1, second.with_feedback, n2)[0],
        test=test,
    )
