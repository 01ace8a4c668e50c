"""How much feedback one token, one client address and one app may post: the bound and the rate limits."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from gateway.config import Settings
from gateway.feedback.rate_limit import RateLimiter


class RateLimited(Exception):
    """A post over a rate limit: `retry_after` whole seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FeedbackLimits:
    """The per-token bound on stored submissions and the per-process rate limiters (None: no limit)."""

    max_submissions_per_token: int | None = None
    per_token: RateLimiter | None = None
    per_address: RateLimiter | None = None
    per_app: RateLimiter | None = None

    def check_address(self, address: str | None) -> None:
        """Count a post from a browser's `address`; raises RateLimited beyond its limit."""
        if address is not None:
            _check(self.per_address, address, "this client address")

    def check_token(self, token_id: str) -> None:
        """Count a post under one feedback token; raises RateLimited beyond its limit."""
        _check(self.per_token, token_id, "this feedback token")

    def give_back(self, token_id: str | None, app: str | None) -> None:
        """Return a post counted under a token or an app whose submission was then refused."""
        if token_id is not None and self.per_token is not None:
            self.per_token.give_back(token_id)
        elif app is not None and self.per_app is not None:
            self.per_app.give_back(app)

    def check_app(self, app: str) -> None:
        """Count a post made with an app's key; raises RateLimited beyond its limit."""
        _check(self.per_app, app, "this app's key")


def feedback_limits(settings: Settings) -> FeedbackLimits:
    """The limits `settings` configure; a rate of 0 turns that limit off."""

    def limiter(per_minute: int) -> RateLimiter | None:
        return RateLimiter(per_minute) if per_minute > 0 else None

    return FeedbackLimits(
        max_submissions_per_token=settings.feedback_token_max_submissions,
        per_token=limiter(settings.feedback_token_posts_per_minute),
        per_address=limiter(settings.feedback_address_posts_per_minute),
        per_app=limiter(settings.feedback_app_posts_per_minute),
    )


def _check(limiter: RateLimiter | None, key: Hashable, who: str) -> None:
    if limiter is None:
        return
    wait = limiter.acquire(key)
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        message = (
            f"too much feedback from {who}: at most {limiter.per_minute} posts a minute; try again in {retry_after} s"
        )
        raise RateLimited(message, retry_after)
