"""How much feedback one token, one client address and one app may post: the bound and the rate limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from gateway.config import Settings
from gateway.feedback.rate_limit import RateLimiter
from gateway.feedback.shared_rate_limit import AllowanceRows, SharedRateLimiter


class RateLimited(Exception):
    """A post over a rate limit: `retry_after` whole seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Allowance(Protocol):
    """One rate limit, counted in this process (InProcess) or in the database (SharedRateLimiter)."""

    per_minute: int

    async def acquire(self, key: str) -> float | None:
        """Take one post: None when allowed, else the seconds until one is free."""

    async def give_back(self, key: str) -> None:
        """Return one post that was refused after it was counted."""


class InProcess:
    """A RateLimiter of this process's memory, behind the same awaitable calls as the shared one."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._limiter = RateLimiter(per_minute)

    async def acquire(self, key: str) -> float | None:
        """Take one post from `key`'s allowance, in memory."""
        return self._limiter.acquire(key)

    async def give_back(self, key: str) -> None:
        """Return one post to `key`'s allowance, in memory."""
        self._limiter.give_back(key)


@dataclass(frozen=True, slots=True)
class FeedbackLimits:
    """The per-token bound on stored submissions and the rate limits (None: no limit)."""

    max_submissions_per_token: int | None = None
    per_token: Allowance | None = None
    per_address: Allowance | None = None
    per_app: Allowance | None = None

    async def check_address(self, address: str | None) -> None:
        """Count a post from a browser's `address`; raises RateLimited beyond its limit."""
        if address is not None:
            await _check(self.per_address, address, "this client address")

    async def check_token(self, token_id: str) -> None:
        """Count a post under one feedback token; raises RateLimited beyond its limit."""
        await _check(self.per_token, token_id, "this feedback token")

    async def give_back(self, token_id: str | None, app: str | None) -> None:
        """Return a post counted under a token or an app whose submission was then refused."""
        if token_id is not None and self.per_token is not None:
            await self.per_token.give_back(token_id)
        elif app is not None and self.per_app is not None:
            await self.per_app.give_back(app)

    async def check_app(self, app: str) -> None:
        """Count a post made with an app's key; raises RateLimited beyond its limit."""
        await _check(self.per_app, app, "this app's key")


def counted_in_database(settings: Settings) -> bool:
    """Whether the rate limits are counted in the database: so set, or `auto` under `serve --workers N` > 1."""
    scope = settings.feedback_rate_limit_scope
    return scope == "database" or (scope == "auto" and settings.workers > 1)


def feedback_limits(settings: Settings, shared: AllowanceRows | None = None) -> FeedbackLimits:
    """The limits `settings` configure, counted in `shared` when the settings say the database; 0 turns one off."""
    in_database = counted_in_database(settings)
    if in_database and shared is None:
        raise ValueError("rate limits counted in the database need its rows")

    def limiter(counted_by: str, per_minute: int) -> Allowance | None:
        if per_minute <= 0:
            return None
        if in_database and shared is not None:
            return SharedRateLimiter(shared, counted_by, per_minute)
        return InProcess(per_minute)

    return FeedbackLimits(
        max_submissions_per_token=settings.feedback_token_max_submissions,
        per_token=limiter("token", settings.feedback_token_posts_per_minute),
        per_address=limiter("address", settings.feedback_address_posts_per_minute),
        per_app=limiter("app", settings.feedback_app_posts_per_minute),
    )


async def _check(limiter: Allowance | None, key: str, who: str) -> None:
    if limiter is None:
        return
    wait = await limiter.acquire(key)
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        message = (
            f"too much feedback from {who}: at most {limiter.per_minute} posts a minute; try again in {retry_after} s"
        )
        raise RateLimited(message, retry_after)
