"""Where rate limits are counted, as `rate_limit_scope` says: this process's memory, or the database for all.

Feedback posts (gateway.feedback.limits) and wrong admin API tokens (gateway.api.auth) are counted here alike:
an in-memory RateLimiter per process (gateway.feedback.rate_limit), or the shared allowances in the database
(gateway.feedback.shared_rate_limit), each limit under a `counted_by` name of its own in the one table.
"""

from __future__ import annotations

from typing import Protocol

from gateway.config import Settings
from gateway.feedback.rate_limit import RateLimiter
from gateway.feedback.shared_rate_limit import AllowanceRows, SharedRateLimiter


class Allowance(Protocol):
    """One rate limit, counted in this process (InProcess) or in the database (SharedRateLimiter)."""

    per_minute: int

    async def acquire(self, key: str) -> float | None:
        """Take one try: None when allowed, else the seconds until one is free."""

    async def give_back(self, key: str) -> None:
        """Return one try that was counted but should not have been."""


class InProcess:
    """A RateLimiter of this process's memory, behind the same awaitable calls as the shared one."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._limiter = RateLimiter(per_minute)

    async def acquire(self, key: str) -> float | None:
        """Take one try from `key`'s allowance, in memory."""
        return self._limiter.acquire(key)

    async def give_back(self, key: str) -> None:
        """Return one try to `key`'s allowance, in memory."""
        self._limiter.give_back(key)


def counted_in_database(settings: Settings) -> bool:
    """Whether the rate limits are counted in the database: so set, or `auto` under `serve --workers N` > 1."""
    scope = settings.rate_limit_scope
    return scope == "database" or (scope == "auto" and settings.workers > 1)


def allowance(settings: Settings, shared: AllowanceRows | None, counted_by: str, per_minute: int) -> Allowance | None:
    """The limit of `per_minute` tries a minute named `counted_by`, where `settings` count (None: 0, no limit)."""
    if per_minute <= 0:
        return None
    if not counted_in_database(settings):
        return InProcess(per_minute)
    if shared is None:
        raise ValueError("rate limits counted in the database need its rows")
    return SharedRateLimiter(shared, counted_by, per_minute)
