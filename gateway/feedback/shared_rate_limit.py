"""Rate limits counted in the database: every gateway process on it shares one allowance per key.

Feedback posts' limits (gateway.feedback.limits) and wrong admin API tokens' (gateway.api.auth) alike, each
under a `counted_by` name of its own (gateway.rate_limit_scope builds them).

The same generic cell rate algorithm as gateway.feedback.rate_limit, but the one number per key (the time
its allowance is full again) is a row, taken and moved forward by one upsert per check
(gateway.store.rate_limits). Times are the gateways' wall clocks: processes on one machine share it, and
hosts kept in step by NTP differ by milliseconds, a few thousandths of one post's interval.

When the database is unreachable a check raises its error, and the request is answered as every feedback
post or admin request is then: 503 with Retry-After (gateway.api.database_outage); it could not be served
anyway. Giving a try back is best-effort: an outage then costs that key one try of its minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from gateway.store.availability import FailedRounds, database_unavailable
from gateway.store.repeating_round import RepeatingRound

log = logging.getLogger("feedgate.feedback")

# How often each process deletes the rows whose allowance is full: keys seen once stay at most this long.
EXPIRY_INTERVAL_SECONDS = 60.0


class AllowanceRows(Protocol):
    """Where shared allowances are kept (gateway.store.rate_limits.RateLimitRows)."""

    async def take(self, counted_by: str, key: str, *, now: float, interval: float, tolerance: float) -> float | None:
        """Take one post: None when taken, else the seconds until one is free."""

    async def give_back(self, counted_by: str, key: str, interval: float) -> None:
        """Return one post to the key's allowance."""

    async def expire(self, now: float) -> int:
        """Delete the rows whose allowance is full; how many."""


class SharedRateLimiter:
    """Allows each key `per_minute` posts a minute (a burst of as many), counted in the database for all processes."""

    def __init__(
        self, rows: AllowanceRows, counted_by: str, per_minute: int, *, clock: Callable[[], float] = time.time
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive; leave the limiter out to disable a limit")
        self.per_minute = per_minute
        self._rows = rows
        self._counted_by = counted_by
        self._interval = 60.0 / per_minute
        self._tolerance = 60.0 - self._interval
        self._clock = clock

    async def acquire(self, key: str) -> float | None:
        """Take one post from `key`'s allowance: None when allowed, else the seconds until one is free."""
        return await self._rows.take(
            self._counted_by, key, now=self._clock(), interval=self._interval, tolerance=self._tolerance
        )

    async def give_back(self, key: str) -> None:
        """Return one post to `key`'s allowance (a post that was refused after it was counted)."""
        try:
            await self._rows.give_back(self._counted_by, key, self._interval)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # The refusal the post earned is the answer that matters; one post of a minute is the cost.
            log.warning(
                "could not give a try back to its %s's rate limit: database unavailable",
                self._counted_by,
            )


class AllowanceExpiry:
    """Every minute, deletes the shared allowances that are full again, so keys seen once do not pile up."""

    def __init__(
        self,
        rows: AllowanceRows,
        interval: float = EXPIRY_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rows = rows
        self._clock = clock
        failures = FailedRounds(log, "expiring full rate-limit allowances", f"retrying in {interval:g} s")
        self._rounds = RepeatingRound(
            self.expire, interval, failures, name="feedgate-feedback-allowance-expiry", first_at_start=False
        )

    async def expire(self) -> int:
        """Delete the allowances that are full again now; how many."""
        expired = await self._rows.expire(self._clock())
        if expired:
            log.debug("expired %d full rate-limit allowances", expired)
        return expired

    def start(self) -> None:
        """Begin expiring (the first round after one interval)."""
        self._rounds.start()

    async def close(self) -> None:
        """Stop expiring."""
        await self._rounds.close()
