"""Clocks a test sets by hand, for the code that takes its clock as an argument: time passes only when told."""

from __future__ import annotations

from datetime import datetime, timedelta


class SecondsClock:
    """A clock of seconds (monotonic or since the epoch): reads `now`, which the test moves."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class DateClock:
    """A clock of aware datetimes: reads `now`, which `advance` (or the test) moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on by timedelta(**delta); the new time."""
        self.now += timedelta(**delta)
        return self.now
