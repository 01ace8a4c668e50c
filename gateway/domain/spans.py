"""A span of time in words for a sentence a person reads: "7 days", "36 hours", "5 minutes", "90 seconds"."""

from __future__ import annotations

from datetime import timedelta

DAY, HOUR, MINUTE = 86_400, 3_600, 60


def span_words(span: timedelta) -> str:
    """`span` as a person would write it: whole days when it is some ("7 days", as a lifetime is chosen), else hours
    when it fills one ("1.5 hours"), else whole minutes, else seconds ("90 seconds", not "1.5 minutes"; never
    "0.00277778 hours")."""
    seconds = span.total_seconds()
    if seconds >= DAY and seconds % DAY == 0:
        return _counted(seconds / DAY, "day")
    if seconds >= HOUR:
        return _counted(seconds / HOUR, "hour")
    if seconds >= MINUTE and seconds % MINUTE == 0:
        return _counted(seconds / MINUTE, "minute")
    return _counted(seconds, "second")


def _counted(count: float, unit: str) -> str:
    count = round(count, 2)
    return f"{count:g} {unit}" + ("" if count == 1 else "s")
