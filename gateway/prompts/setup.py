"""Prompt instructions in a running gateway: the service, the proxy's snapshots and policy, and the canary guard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.fixes.snapshots import FixSnapshots
from gateway.prompts.guard import CanaryGuard, run_guard_periodically
from gateway.prompts.policy import PromptPolicy
from gateway.prompts.records import AppPrompts
from gateway.prompts.service import PromptService
from gateway.store.availability import log_failed_round
from gateway.store.prompts import FIX_KIND, PromptStore

logger = logging.getLogger("feedgate.prompts")


def canary_guard(settings: Settings, engine: AsyncEngine) -> CanaryGuard:
    """The guarded rollout's job for `settings` (for `serve`, `feedgate worker` and tests)."""
    store = PromptStore(engine)
    return CanaryGuard(
        engine,
        store,
        PromptService(store),
        alpha=settings.prompt_guard_alpha,
        min_interactions=settings.prompt_guard_min_interactions,
    )


@dataclass
class PromptInstructions:
    """What prompt instructions need while the gateway runs; `start` and `close` bracket its life."""

    service: PromptService
    snapshots: FixSnapshots[AppPrompts]
    policy: PromptPolicy
    guard: CanaryGuard
    guard_interval_seconds: float
    _guard_task: asyncio.Task[None] | None = field(default=None, init=False)

    async def start(self) -> None:
        """Load every app's versions now (so the first requests get them), then keep refreshing; start the guard."""
        try:
            await self.snapshots.refresh()
        except Exception as exc:  # noqa: BLE001 - the store may be down at start; the background refresh retries
            # A worker started during an outage says so in one line, as the refreshes after it do.
            log_failed_round(logger, exc, "loading prompt versions at start", "retrying in the background")
        self.snapshots.start()
        if self.guard_interval_seconds > 0 and self._guard_task is None:
            self._guard_task = asyncio.create_task(
                run_guard_periodically(self.guard, self.guard_interval_seconds), name="feedgate-prompt-guard"
            )

    async def close(self) -> None:
        """Stop refreshing and guarding."""
        if self._guard_task is not None:
            self._guard_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._guard_task
            self._guard_task = None
        await self.snapshots.close()


def prompt_instructions(settings: Settings, engine: AsyncEngine) -> PromptInstructions:
    """Prompt instructions for a gateway process with `settings` (not started)."""
    store = PromptStore(engine)
    service = PromptService(store)
    snapshots: FixSnapshots[AppPrompts] = FixSnapshots(engine, FIX_KIND, store.live, settings.prompt_refresh_seconds)
    return PromptInstructions(
        service=service,
        snapshots=snapshots,
        policy=PromptPolicy(snapshots),
        guard=canary_guard(settings, engine),
        guard_interval_seconds=settings.prompt_guard_interval_minutes * 60,
    )


async def guard_canaries(settings: Settings, engine: AsyncEngine) -> None:
    """Run the guarded rollout every `prompt_guard_interval_minutes` until cancelled (never when it is 0)."""
    interval = settings.prompt_guard_interval_minutes * 60
    if interval > 0:
        await run_guard_periodically(canary_guard(settings, engine), interval)
