"""Keeping the daily roll-ups current in the background, so a stats read rarely has a backlog to rebuild."""

from __future__ import annotations

import asyncio
import logging

from gateway.store.availability import FailedRounds
from gateway.store.daily_stats import DailyStatsStore

log = logging.getLogger(__name__)


class DailyStatsRefresher:
    """Every `interval` seconds, rebuilds the stale daily roll-up rows; a failure is logged and retried."""

    def __init__(self, daily: DailyStatsStore, interval: float) -> None:
        self._daily = daily
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._failures = FailedRounds(log, "refreshing the daily stats roll-ups", f"retrying every {interval:g} s")

    def start(self) -> None:
        """Begin refreshing (the first refresh waits one interval: reads rebuild what they need anyway)."""
        self._task = asyncio.create_task(self._run(), name="feedgate-daily-stats")

    async def close(self) -> None:
        """Stop refreshing."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                rebuilt = await self._daily.refresh()
            except Exception as exc:  # noqa: BLE001 - logged (FailedRounds); the loop must go on
                # A database outage must not end the loop: the rows stay stale, marked, until it is back.
                self._failures.failed(exc)
                continue
            self._failures.succeeded()
            if rebuilt:
                log.debug("rebuilt %d stale daily stats (day, app) pairs", rebuilt)
