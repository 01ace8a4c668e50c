"""A comparison of negative rates said in plain words, for people reading an issue's effect."""

from __future__ import annotations

from gateway.effect.statistics import Comparison

DRIFT_CAVEAT = (
    "A before/after comparison can be confounded by drift: the app's traffic, its users or the upstream model may "
    "have changed over the same time. A canary, which splits the same period's traffic between the arms, is not."
)
CANARY_CAVEAT = (
    "The canary and the rest share the same period and are split by a stable hash of the end user, so drift "
    "affects both arms alike."
)


def percent(rate: float) -> str:
    """A rate as a percentage: whole numbers from 10 %, one decimal below."""
    value = rate * 100
    return f"{value:.0f} %" if value >= 10 or value == 0 else f"{value:.1f} %"


def p_text(p_value: float) -> str:
    """A p-value as a reader wants it: "p < 0.001", or "p = 0.012"."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def before_after_verdict(comparison: Comparison, alpha: float) -> str:
    """E.g. "negative rate fell from 42 % to 12 % (p < 0.001)", "not enough data yet: …" or "no significant change: …"."""
    if not comparison.enough_data:
        return f"not enough data yet: {comparison.reason}"
    before, after = comparison.first.negative_rate, comparison.second.negative_rate
    assert before is not None and after is not None and comparison.p_value is not None
    figures = f"{percent(before)} to {percent(after)} ({p_text(comparison.p_value)})"
    if not comparison.significant(alpha):
        return f"no significant change: negative rate went from {figures}"
    return f"negative rate {'fell' if after < before else 'rose'} from {figures}"


def canary_verdict(comparison: Comparison, alpha: float) -> str:
    """E.g. "negative rate is 12 % in the canary against 40 % in the rest: lower (p < 0.001)"."""
    if not comparison.enough_data:
        return f"not enough data yet: {comparison.reason}"
    rest, canary = comparison.first.negative_rate, comparison.second.negative_rate
    assert rest is not None and canary is not None and comparison.p_value is not None
    figures = f"negative rate is {percent(canary)} in the canary against {percent(rest)} in the rest"
    if not comparison.significant(alpha):
        return f"no significant difference: {figures} ({p_text(comparison.p_value)})"
    return f"{figures}: {'lower' if canary < rest else 'higher'} ({p_text(comparison.p_value)})"


def canary_ended(verdict: str, moment: str, how: str) -> str:
    """`verdict` saying the comparison stops where the canary ended: every call after it went to the active arm."""
    return f"{verdict}; compared until {moment}, when the canary was {how}: later traffic is in neither arm"


def feedback_share_warning(comparison: Comparison, alpha: float) -> str | None:
    """A warning when the share of interactions that got any feedback changed significantly too; None otherwise."""
    p_value = comparison.feedback_share_p_value
    first, second = comparison.first.feedback_share, comparison.second.feedback_share
    if p_value is None or p_value >= alpha or first is None or second is None:
        return None
    return (
        f"the share of interactions with any feedback also changed, from {percent(first)} to {percent(second)} "
        f"({p_text(p_value)}): part of the change may be in who bothers to rate"
    )
