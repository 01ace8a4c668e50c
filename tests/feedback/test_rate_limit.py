"""The in-process rate limiter behind /v1/feedback: a minute's allowance per key, refilled evenly."""

from __future__ import annotations

import pytest
from settable_clock import SecondsClock

from gateway.feedback.rate_limit import RateLimiter


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock(1_000.0)


def test_a_fresh_key_may_post_its_whole_minute_at_once(clock):
    limiter = RateLimiter(5, clock=clock)

    assert [limiter.acquire("token") for _ in range(5)] == [None] * 5


def test_beyond_the_allowance_a_post_is_told_how_long_to_wait(clock):
    limiter = RateLimiter(5, clock=clock)
    for _ in range(5):
        limiter.acquire("token")

    assert limiter.acquire("token") == pytest.approx(60 / 5)


def test_the_allowance_refills_one_post_per_interval(clock):
    limiter = RateLimiter(5, clock=clock)
    for _ in range(5):
        limiter.acquire("token")
    clock.now += 60 / 5

    assert limiter.acquire("token") is None
    assert limiter.acquire("token") is not None


def test_a_refused_post_does_not_spend_allowance(clock):
    limiter = RateLimiter(2, clock=clock)
    limiter.acquire("token"), limiter.acquire("token")
    for _ in range(100):
        limiter.acquire("token")
    clock.now += 30

    assert limiter.acquire("token") is None


def test_a_post_given_back_can_be_made_again(clock):
    limiter = RateLimiter(2, clock=clock)
    limiter.acquire("token"), limiter.acquire("token")

    limiter.give_back("token")

    assert limiter.acquire("token") is None
    assert limiter.acquire("token") is not None


def test_keys_have_separate_allowances(clock):
    limiter = RateLimiter(1, clock=clock)

    assert (limiter.acquire("one"), limiter.acquire("two")) == (None, None)
    assert limiter.acquire("one") is not None


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_key(clock):
    limiter = RateLimiter(1, max_keys=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        limiter.acquire(key)

    assert len(limiter) == 3
    # "a" was forgotten, so it starts afresh; "d" is still remembered and limited.
    assert limiter.acquire("a") is None
    assert limiter.acquire("d") is not None


def test_a_rate_of_zero_is_refused_as_a_limiter():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def test_waiting_says_what_acquire_would_without_spending_anything(clock):
    limiter = RateLimiter(5, clock=clock)
    assert limiter.waiting("token") is None
    for _ in range(5):
        limiter.acquire("token")

    assert limiter.waiting("token") == pytest.approx(60 / 5)
    clock.now += 60 / 5
    assert limiter.waiting("token") is None
    assert limiter.acquire("token") is None
