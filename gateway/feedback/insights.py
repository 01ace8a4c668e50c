"""Turning counts of interactions and current feedback into the rates and medians the stats report shows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

COUNTS = ("feedback", "interactions_with_feedback", "negative", "positive", "rating_sum", "rating_count", "corrections")


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


def summary(interactions: int, counts: Mapping[str, int], delays: list[float]) -> FeedbackSummary:
    """The summary of one period or group from its raw counts and its delays to feedback."""
    feedback = counts.get("feedback", 0)
    return FeedbackSummary(
        interactions=interactions,
        feedback=feedback,
        feedback_rate=_ratio(counts.get("interactions_with_feedback", 0), interactions),
        positive_rate=_ratio(counts.get("positive", 0), feedback),
        negative_rate=_ratio(counts.get("negative", 0), feedback),
        mean_rating=_ratio(counts.get("rating_sum", 0), counts.get("rating_count", 0)),
        corrections=counts.get("corrections", 0),
        median_seconds_to_feedback=statistics.median(delays) if delays else None,
    )


def totals_and_days(
    since: datetime,
    until: datetime,
    interactions_per_day: Mapping[str, int],
    feedback_per_day: Mapping[str, Mapping[str, int]],
    delays: list[tuple[str, float]],
) -> tuple[FeedbackSummary, tuple[DaySummary, ...]]:
    """Totals for the whole range and a daily series with every day present, quiet days included."""
    delays_per_day: dict[str, list[float]] = defaultdict(list)
    for day, seconds in delays:
        delays_per_day[day].append(seconds)
    totals = {name: sum(day.get(name, 0) for day in feedback_per_day.values()) for name in COUNTS}
    daily = tuple(
        DaySummary(
            date.fromisoformat(day),
            summary(interactions_per_day.get(day, 0), feedback_per_day.get(day, {}), delays_per_day[day]),
        )
        for day in days_between(since, until)
    )
    total_interactions = sum(interactions_per_day.values())
    return summary(total_interactions, totals, [seconds for _, seconds in delays]), daily


def group_summaries(
    interactions_by_group: Mapping[Any, int],
    feedback_by_group: Mapping[Any, Mapping[str, int]],
    delays: list[tuple[Any, float]],
) -> tuple[GroupSummary, ...]:
    """One summary per group (app or model) seen in the range, busiest first."""
    delays_by_group: dict[Any, list[float]] = defaultdict(list)
    for group, seconds in delays:
        delays_by_group[group].append(seconds)
    groups = set(interactions_by_group) | set(feedback_by_group)
    ordered = sorted(groups, key=lambda group: (-interactions_by_group.get(group, 0), str(group)))
    return tuple(
        GroupSummary(
            group,
            summary(interactions_by_group.get(group, 0), feedback_by_group.get(group, {}), delays_by_group[group]),
        )
        for group in ordered
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
