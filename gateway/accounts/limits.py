"""How many failed sign-ins are allowed, and how long someone who exceeded that must wait."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """At most `per_user` failures on one user name, and `per_address` from one address, per `window`.

    A successful sign-in clears a name's count; an address's count is not cleared, so signing in
    to one's own account does not buy more guesses at others'.
    """

    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def seconds_to_wait(failures_newest_first: Sequence[datetime], allowed: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `allowed` of these failures are inside the window (0: may try now).

    `failures_newest_first` holds at most the newest `allowed` failures inside the window.
    """
    if len(failures_newest_first) < allowed:
        return 0
    # Once the oldest of the newest `allowed` failures leaves the window, one more try is allowed.
    frees_at = failures_newest_first[allowed - 1] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def describe_wait(seconds: int) -> str:
    """`seconds` as a person reads a wait: "40 seconds", "1 minute", "12 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
