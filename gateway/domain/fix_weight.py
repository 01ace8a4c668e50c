"""How an issue's latest fix weighs in its importance: by the share of the negative rate the fix measurably left.

An issue's negative count is mostly complaints gathered before its fix: ranked on it alone, an issue
whose live fix cut its negative rate from 93 % to 2.6 % stayed at the top of "Issues that matter most"
as if nothing had happened. What matters now is the complaints still coming, and those follow the
rate the issue has now, so the count is scaled by after ÷ before (0.028 there) once the fix's
effect is measured as a significant fall (gateway.effect: a before/after test at `effect_alpha`) and
the fix is still in force. The measurement is the one kept when the effect was last computed
(gateway.effect.verdict_cache: the issue page, the API, each clustering pass), never recomputed here.
A fix measured as having raised the rate weighs as a regression does. Nothing else changes the
weight: no fix, a fix not measured yet, not enough data, no significant change, a fix switched off or
replaced since, or an issue regressed since (its fix stopped working: the regression weighs instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.effect.verdict_cache import KeptEffect

__all__ = ["FIX_RULE", "IN_FORCE", "REGRESSION_FACTOR", "KeptEffect", "fix_factor", "kept_effects"]

# A regressed issue (a fix that stopped working), or one whose latest fix measurably raised its rate, counts double.
REGRESSION_FACTOR = 2.0
# The fix's states in which it still shapes answers (gateway.store.fix_links.standing).
IN_FORCE = frozenset({"active", "canary"})

FIX_RULE = (
    "× the share of its negative rate its latest fix left (after ÷ before, as last measured on the issue's page or by "
    "the clustering pass) when that fix is still in force and measurably lowered it, "
    f"× {REGRESSION_FACTOR:g} when it measurably raised it or the issue regressed after a fix"
)


def fix_factor(regressed: bool, standing: str | None, effect: KeptEffect | None) -> float:
    """What the issue's latest fix multiplies its importance by (see the module docstring); 1 when nothing."""
    if regressed:
        return REGRESSION_FACTOR
    if effect is None or standing not in IN_FORCE:
        return 1.0
    if effect.outcome == "rose":
        return REGRESSION_FACTOR
    left = effect.rate_left
    return left if left is not None else 1.0


def kept_effects(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, KeptEffect]:
    """The kept verdicts in `rows` (gateway.store.fix_effects), by issue id."""
    return {issue_id: KeptEffect.from_row(dict(row)) for issue_id, row in rows.items()}
