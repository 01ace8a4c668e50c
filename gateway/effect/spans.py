"""A span of time in words for a sentence a person reads: "36 hours", "5 minutes", "10 seconds"."""

from __future__ import annotations

from datetime import timedelta

UNITS = (("hour", 3600), ("minute", 60))


def span_words(span: timedelta) -> str:
    """`span` in the largest unit it fills at least once ("0.00277778 hours" read as nothing; "10 seconds" is it)."""
    seconds = span.total_seconds()
    unit, size = next(((unit, size) for unit, size in UNITS if seconds >= size), ("second", 1))
    count = round(seconds / size, 2)
    return f"{count:g} {unit}" + ("" if count == 1 else "s")
