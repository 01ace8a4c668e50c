"""The guarded rollout: a job that rolls a canary back by itself when its negative rate is worse than the rest's.

Run every `prompt_guard_interval_minutes` in the background of `serve` and `feedgate worker`,
or directly (`CanaryGuard.check_all`). It compares the canary arm with the rest of the same
app and model over the same period (since the canary started), by the interactions' policy
notes and their current feedback, with the mixture SPRT of gateway.prompts.sequential, whose
false-alarm rate stays under α however often it looks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.prompts.errors import PromptConflict
from gateway.prompts.policy import POLICY_NAME
from gateway.prompts.records import Deployment
from gateway.prompts.sequential import ArmCounts, Verdict, canary_verdict
from gateway.prompts.service import PromptService
from gateway.store.availability import FailedRounds
from gateway.store.prompt_arms import arm_outcomes
from gateway.store.prompts import PromptStore

logger = logging.getLogger("feedgate.prompts")

CANARY, REST = "canary", "rest"


@dataclass(frozen=True, slots=True)
class GuardCheck:
    """One canary as the guard judged it, and whether it rolled it back."""

    deployment: Deployment
    verdict: Verdict
    rolled_back: bool


def arm_reader(deployment: Deployment) -> Callable[[Any], Hashable | None]:
    """Reads an interaction's policy notes: CANARY, REST, or None (not this app's model, or no note)."""
    canary_id = deployment.canary.id if deployment.canary is not None else None

    def arm_of(notes: Any) -> Hashable | None:
        if not isinstance(notes, list):
            return None
        for note in notes:
            if not isinstance(note, dict) or note.get("policy") != POLICY_NAME:
                continue
            if note.get("model") != deployment.model:
                return None
            if note.get("arm") == "canary":
                return CANARY if note.get("version_id") == canary_id else None
            return REST if note.get("arm") == "active" else None
        return None

    return arm_of


def verdict_detail(verdict: Verdict, since: datetime, alpha: float) -> dict[str, Any]:
    """The figures behind a verdict, for the audit record."""

    def arm(counts: ArmCounts) -> dict[str, Any]:
        return {"interactions": counts.interactions, "negative": counts.negative, "negative_rate": counts.rate}

    return {
        "test": "mixture sequential probability ratio test (always valid)",
        "alpha": alpha,
        "since": since.isoformat(),
        "canary": arm(verdict.canary),
        "rest": arm(verdict.rest),
        "difference": verdict.difference,
        "log_likelihood_ratio": verdict.log_likelihood_ratio,
        "log_bound": verdict.log_bound,
    }


class CanaryGuard:
    """Judges every running canary and rolls back those the test finds worse."""

    def __init__(
        self,
        engine: AsyncEngine,
        store: PromptStore,
        service: PromptService,
        *,
        alpha: float,
        min_interactions: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._store = store
        self._service = service
        self._alpha = alpha
        self._min_interactions = min_interactions
        self._clock = clock

    async def check_all(self) -> list[GuardCheck]:
        """Judge every running canary of every app once."""
        return [await self.check(deployment) for deployment in await self._store.canaries()]

    async def check(self, deployment: Deployment) -> GuardCheck:
        """Judge one canary; roll it back (audited as prompt.auto_rollback) when it is worse beyond the bound."""
        assert deployment.canary is not None and deployment.canary_started_at is not None
        since = deployment.canary_started_at
        counts = await arm_outcomes(self._engine, deployment.app, since, self._clock(), arm_reader(deployment))

        def arm(name: str) -> ArmCounts:
            negative = counts[(name, True)]
            return ArmCounts(interactions=negative + counts[(name, False)], negative=negative)

        verdict = canary_verdict(arm(CANARY), arm(REST), alpha=self._alpha, min_interactions=self._min_interactions)
        if not verdict.worse:
            return GuardCheck(deployment, verdict, rolled_back=False)
        try:
            await self._service.guard_rollback(deployment.canary.id, verdict_detail(verdict, since, self._alpha))
        except PromptConflict:
            return GuardCheck(deployment, verdict, rolled_back=False)
        logger.warning(
            "rolled back canary version %d of %s: negative rate %.3f against %.3f",
            deployment.canary.number,
            deployment.app,
            verdict.canary.rate,
            verdict.rest.rate,
        )
        return GuardCheck(deployment, verdict, rolled_back=True)


async def run_guard_periodically(guard: CanaryGuard, interval_seconds: float) -> None:
    """Judge the canaries every `interval_seconds` until cancelled; a failed round is logged, not fatal."""
    failures = FailedRounds(logger, "prompt canary guard", f"trying again every {interval_seconds:g} s")
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await guard.check_all()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged; a database hiccup must not stop the next round
            failures.failed(exc)
        else:
            failures.succeeded()
