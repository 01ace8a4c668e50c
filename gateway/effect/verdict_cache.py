"""The verdict of each issue's latest fix, kept whenever its effect is measured, for pages that cannot measure.

Measuring an effect embeds the interactions on the issue's topic: seconds for one issue, far too
slow for the overview or the issue list, which show many. So every measurement of an issue's latest
fix (the issue page's effect panel, GET /api/issues/{id}/effect, the clustering pass's refresh)
keeps its before/after verdict, one row per issue (gateway.store.fix_effects), and those pages read
it: what the fix did, and when that was measured. A kept verdict belongs to the link it measured: once
a newer fix is linked it no longer describes the issue's latest fix, and is not shown or weighed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder
from clustering.issue_status import CLOSED_STATUSES
from gateway.config import Settings
from gateway.domain.records import from_columns
from gateway.effect.service import EffectService, IssueEffect, effect_settings
from gateway.store.fix_effects import FixEffectStore

logger = logging.getLogger("feedgate.effect")

# fell / rose: significant at effect_alpha; no_change: enough data, not significant; not_enough_data: too little.
Outcome = Literal["fell", "rose", "no_change", "not_enough_data"]
# How many issues of an app one clustering pass measures again (those measured longest ago first): measuring
# embeds each topic's interactions, and the pass must not grow without bound with the number of fixes.
REFRESH_PER_PASS = 20


@dataclass(frozen=True, slots=True)
class KeptEffect:
    """An issue's latest fix's before/after verdict as last measured."""

    issue_id: str
    link_id: str
    outcome: Outcome
    before_rate: float | None
    after_rate: float | None
    p_value: float | None
    # As the issue page words it ("negative rate fell from 93 % to 2.6 % (p < 0.001)").
    verdict: str
    measured_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> KeptEffect:
        """The verdict in a fix_effects row."""
        return from_columns(cls, row)

    @property
    def summary(self) -> str:
        """The verdict in a few words for a list: as the issue page says it, but for too little data."""
        return "effect: not enough data yet" if self.outcome == "not_enough_data" else self.verdict

    @property
    def rate_left(self) -> float | None:
        """The share of the negative rate the fix left (after ÷ before) when it measurably fell; None otherwise."""
        if self.outcome != "fell" or self.before_rate is None or self.after_rate is None or self.before_rate <= 0:
            return None
        return self.after_rate / self.before_rate


def kept_effect(effect: IssueEffect, alpha: float) -> KeptEffect | None:
    """What to keep of `effect`: its before/after verdict, when it measured the issue's latest fix; None otherwise
    (nothing measured yet, or an older fix asked for by id)."""
    comparison = effect.before_after
    if comparison is None or effect.fix is None or not effect.fixes or effect.fix.id != effect.fixes[-1].id:
        return None
    result = comparison.result
    before, after = result.first.negative_rate, result.second.negative_rate
    outcome: Outcome = "not_enough_data"
    if result.enough_data:
        outcome = "no_change"
        if result.significant(alpha) and before is not None and after is not None:
            outcome = "fell" if after < before else "rose"
    return KeptEffect(
        effect.issue_id,
        effect.fix.id,
        outcome,
        before,
        after,
        result.p_value,
        comparison.verdict,
        effect.measured_at,
    )


class EffectKeeper:
    """Measures an issue's effect (EffectService) and keeps its latest fix's verdict; reads the kept verdicts."""

    def __init__(self, effects: EffectService, store: FixEffectStore) -> None:
        self._effects = effects
        self._store = store

    async def effect(self, issue_id: str, link_id: str | None = None) -> IssueEffect:
        """EffectService.effect, keeping the verdict when it measured the latest fix. A failure to keep it is
        logged: the measurement is still answered."""
        effect = await self._effects.effect(issue_id, link_id)
        kept = kept_effect(effect, self._effects.settings.alpha)
        if kept is not None:
            try:
                await self._store.keep(asdict(kept))
            except Exception:
                logger.exception("keeping the effect verdict of issue %s failed", issue_id)
        return effect

    async def kept(self, issue_ids: Sequence[str]) -> dict[str, KeptEffect]:
        """The kept verdict of each of `issue_ids` that has one, by issue id (whichever link it measured)."""
        return {
            issue_id: KeptEffect.from_row(row) for issue_id, row in (await self._store.for_issues(issue_ids)).items()
        }

    async def refresh(self, app: str) -> int:
        """Measure again `app`'s undecided issues with a fix linked, those measured longest ago (or never) first, at
        most REFRESH_PER_PASS of them; how many were measured. A failure on one is logged, the others go on."""
        measured = 0
        for issue_id in await self._store.due(
            app, sorted(status.value for status in CLOSED_STATUSES), REFRESH_PER_PASS
        ):
            try:
                await self.effect(issue_id)
                measured += 1
            except Exception:
                logger.exception("measuring the effect of issue %s's fix after the clustering pass failed", issue_id)
        return measured


async def refresh_effects_after_run(engine: AsyncEngine, settings: Settings, embedder: Embedder, app: str) -> int:
    """EffectKeeper.refresh after a clustering pass, so the overview weighs fixes nobody opened the page of; any
    failure is logged and never fails the pass."""

    async def the_embedder() -> Embedder:
        return embedder

    try:
        effects = EffectService(engine, the_embedder, effect_settings(settings))
        return await EffectKeeper(effects, FixEffectStore(engine)).refresh(app)
    except Exception:
        logger.exception("measuring the effects of %s's fixes after the clustering pass failed", app)
        return 0
