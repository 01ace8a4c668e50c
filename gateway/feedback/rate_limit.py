"""In-process rate limits for feedback posts: O(1) per check, bounded memory, per gateway process.

Each key (a token, a client address, an app key) may post `per_minute` times a minute, with up to
`per_minute` at once after a quiet minute. It is the generic cell rate algorithm: one float per
key (the time its allowance is next full), so a check is a dict lookup and a little arithmetic.
Counted in the database instead, so that every process shares one allowance: gateway.feedback.shared_rate_limit.

Why not the `limits` library (5.8, tried in place of this, then dropped): on its in-memory storage
a check cost 10-16 µs against this one's 0.4-0.9 µs; its only strategy that refills evenly (the
sliding window counter) makes a client wait up to a whole clock minute after a burst, not 60/N s;
its moving window never forgot a key (100,001 empty entries kept after expiry); and its expiry runs
in a timer thread that walks every counter, 37-46 ms holding the GIL at 100,000 keys, every ~10 ms
during a flood from many addresses, inside the gateway process whose proxy it would slow.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

# Keys remembered at most; the least recently seen is forgotten first. A forgotten key starts
# afresh, which is only ever more lenient, and 100,000 keys are a few MB.
DEFAULT_MAX_KEYS = 100_000


class RateLimiter:
    """Allows each key `per_minute` posts a minute (a burst of as many), counted in this process only."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive; leave the limiter out to disable a limit")
        self.per_minute = per_minute
        self._interval = 60.0 / per_minute
        # How far ahead of now a key's allowance may be spent: a full minute's worth, less the post itself.
        self._tolerance = 60.0 - self._interval
        self._max_keys = max_keys
        self._clock = clock
        self._full_at: OrderedDict[Hashable, float] = OrderedDict()

    def give_back(self, key: Hashable) -> None:
        """Return one post to `key`'s allowance (a post that was refused after it was counted)."""
        if key in self._full_at:
            self._full_at[key] -= self._interval

    def waiting(self, key: Hashable) -> float | None:
        """The seconds until `key` may take one more, without taking it; None when it may now."""
        now = self._clock()
        wait = max(self._full_at.get(key, now), now) - now - self._tolerance
        return wait if wait > 0 else None

    def acquire(self, key: Hashable) -> float | None:
        """Take one post from `key`'s allowance: None when allowed, else the seconds until one is free."""
        now = self._clock()
        full_at = max(self._full_at.get(key, now), now)
        wait = full_at - now - self._tolerance
        if wait > 0:
            return wait
        self._full_at[key] = full_at + self._interval
        self._full_at.move_to_end(key)
        if len(self._full_at) > self._max_keys:
            self._full_at.popitem(last=False)
        return None

    def __len__(self) -> int:
        return len(self._full_at)
