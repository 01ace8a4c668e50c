"""How much feedback one token, one client address and one app may post: the bound and the rate limits."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gateway.config import Settings
from gateway.feedback.shared_rate_limit import AllowanceRows
from gateway.rate_limit_scope import Allowance, allowance


class RateLimited(Exception):
    """A post over a rate limit: `retry_after` whole seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


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


def feedback_limits(settings: Settings, shared: AllowanceRows | None = None) -> FeedbackLimits:
    """The limits `settings` configure, counted in `shared` when the settings say the database; 0 turns one off."""
    return FeedbackLimits(
        max_submissions_per_token=settings.feedback_token_max_submissions,
        per_token=allowance(settings, shared, "token", settings.feedback_token_posts_per_minute),
        per_address=allowance(settings, shared, "address", settings.feedback_address_posts_per_minute),
        per_app=allowance(settings, shared, "app", settings.feedback_app_posts_per_minute),
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
