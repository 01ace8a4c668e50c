"""Turning counts of interactions and current feedback into the rates and medians the stats report shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from gateway.feedback.delay_histogram import DelayHistogram

# What a tally counts over current feedback (the columns of a daily roll-up row).
COUNTS = (
    "feedback",
    "interactions_with_feedback",
    "negative",
    "positive",
    "rating_sum",
    "rating_count",
    "corrections",
    # Conversational calls (not embeddings) answered with a 200, for review automation; a held call's repeat
    # under its Idempotency-Key got the first call's answer and is not one (gateway.store.repeats).
    "answers",
)


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    """How much feedback a period's (or a group's) interactions got, and how good it was.

    Rates are None when there is nothing to divide by, rather than a misleading 0.
    """

    interactions: int
    feedback: int
    feedback_rate: float | None
    positive_rate: float | None
    negative_rate: float | None
    mean_rating: float | None
    corrections: int
    median_seconds_to_feedback: float | None


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One UTC day of the daily series."""

    day: date
    summary: FeedbackSummary


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One app's or model's totals (`key` is None for interactions without a model)."""

    key: str | None
    summary: FeedbackSummary


def days_between(since: datetime, until: datetime) -> list[str]:
    """Every UTC day touched by [since, until), as 'YYYY-MM-DD'."""
    first: date = since.date()
    last: date = (until - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@dataclass(slots=True)
class Tally:
    """What a stretch of interactions adds up to: their number, counts over current feedback, delays.

    Tallies add: a daily roll-up row, a partial day counted from the raw rows, and any sum of them.
    """

    interactions: int = 0
    # Keyed by the names in COUNTS; a missing name is 0.
    counts: dict[str, int] = field(default_factory=dict)
    delays: DelayHistogram = field(default_factory=DelayHistogram)

    def add(self, other: Tally) -> None:
        """Add `other`'s interactions, counts and delays to this tally."""
        self.interactions += other.interactions
        counts = self.counts
        for name, value in other.counts.items():
            counts[name] = counts.get(name, 0) + value
        self.delays.merge(other.delays)

    def count(self, name: str) -> int:
        """One of the COUNTS (0 when nothing was counted)."""
        return self.counts.get(name, 0)


def summary(tally: Tally) -> FeedbackSummary:
    """The summary of one period or group from its tally."""
    count = tally.count
    feedback = count("feedback")
    return FeedbackSummary(
        interactions=tally.interactions,
        feedback=feedback,
        feedback_rate=_ratio(count("interactions_with_feedback"), tally.interactions),
        positive_rate=_ratio(count("positive"), feedback),
        negative_rate=_ratio(count("negative"), feedback),
        mean_rating=_ratio(count("rating_sum"), count("rating_count")),
        corrections=count("corrections"),
        median_seconds_to_feedback=tally.delays.median(),
    )


def totals_and_days(
    since: datetime, until: datetime, per_day: Mapping[str, Tally]
) -> tuple[FeedbackSummary, tuple[DaySummary, ...]]:
    """Totals for the whole range and a daily series with every day present, quiet days included."""
    total = Tally()
    for tally in per_day.values():
        total.add(tally)
    daily = tuple(
        DaySummary(date.fromisoformat(day), summary(per_day.get(day) or Tally())) for day in days_between(since, until)
    )
    return summary(total), daily


def group_summaries(per_group: Mapping[Any, Tally]) -> tuple[GroupSummary, ...]:
    """One summary per group (app or model) seen in the range, busiest first."""
    ordered = sorted(per_group, key=lambda group: (-per_group[group].interactions, str(group)))
    return tuple(GroupSummary(group, summary(per_group[group])) for group in ordered)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
