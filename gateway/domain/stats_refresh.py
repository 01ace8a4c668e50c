"""Keeping the daily roll-ups current in the background, so a stats read rarely has a backlog to rebuild."""

from __future__ import annotations

import logging

from gateway.store.availability import FailedRounds
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.repeating_round import RepeatingRound

log = logging.getLogger(__name__)


class DailyStatsRefresher:
    """Every `interval` seconds, rebuilds the stale daily roll-up rows; a failure is logged and retried."""

    def __init__(self, daily: DailyStatsStore, interval: float) -> None:
        self._daily = daily
        failures = FailedRounds(log, "refreshing the daily stats roll-ups", f"retrying every {interval:g} s")
        # The first refresh waits one interval: reads rebuild what they need anyway. A database outage must not
        # end the loop: the rows stay stale, marked, until it is back.
        self._rounds = RepeatingRound(
            self.refresh, interval, failures, name="feedgate-daily-stats", first_at_start=False
        )

    async def refresh(self) -> int:
        """Rebuild the stale daily roll-up rows now; how many (day, app) pairs."""
        rebuilt = await self._daily.refresh()
        if rebuilt:
            log.debug("rebuilt %d stale daily stats (day, app) pairs", rebuilt)
        return rebuilt

    def start(self) -> None:
        """Begin refreshing (the first refresh after one interval)."""
        self._rounds.start()

    async def close(self) -> None:
        """Stop refreshing."""
        await self._rounds.close()
