"""Turning per-day counts into the rates and medians `/api/stats` reports."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

COUNTS = ("feedback", "interactions_with_feedback", "negative", "positive", "rating_sum", "rating_count", "corrections")


def days_between(since: datetime, until: datetime) -> list[str]:
    """Every UTC day touched by [since, until), as 'YYYY-MM-DD'."""
    first: date = since.date()
    last: date = (until - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def summary(interactions: int, counts: dict[str, int], delays: list[float]) -> dict[str, Any]:
    """The reported numbers for one period from its raw counts.

    Rates are None when there is nothing to divide by, rather than a misleading 0.
    """
    feedback = counts.get("feedback", 0)
    return {
        "interactions": interactions,
        "feedback": feedback,
        "feedback_rate": _ratio(counts.get("interactions_with_feedback", 0), interactions),
        "positive_rate": _ratio(counts.get("positive", 0), feedback),
        "negative_rate": _ratio(counts.get("negative", 0), feedback),
        "mean_rating": _ratio(counts.get("rating_sum", 0), counts.get("rating_count", 0)),
        "corrections": counts.get("corrections", 0),
        "median_seconds_to_feedback": statistics.median(delays) if delays else None,
    }


def stats_report(
    since: datetime,
    until: datetime,
    interactions_per_day: dict[str, int],
    feedback_per_day: dict[str, dict[str, int]],
    delays: list[tuple[str, float]],
) -> dict[str, Any]:
    """Totals for the whole range and a daily series with every day present, quiet days included."""
    delays_per_day: dict[str, list[float]] = defaultdict(list)
    for day, seconds in delays:
        delays_per_day[day].append(seconds)
    totals = {name: sum(day.get(name, 0) for day in feedback_per_day.values()) for name in COUNTS}
    daily = [
        {"date": day, **summary(interactions_per_day.get(day, 0), feedback_per_day.get(day, {}), delays_per_day[day])}
        for day in days_between(since, until)
    ]
    total_interactions = sum(interactions_per_day.values())
    return {"totals": summary(total_interactions, totals, [seconds for _, seconds in delays]), "daily": daily}


def group_report(
    name: str,
    interactions_by_group: dict[Any, int],
    feedback_by_group: dict[Any, dict[str, int]],
    delays: list[tuple[Any, float]],
) -> list[dict[str, Any]]:
    """One summary per group (app or model) seen in the range, busiest first."""
    delays_by_group: dict[Any, list[float]] = defaultdict(list)
    for group, seconds in delays:
        delays_by_group[group].append(seconds)
    groups = set(interactions_by_group) | set(feedback_by_group)
    ordered = sorted(groups, key=lambda group: (-interactions_by_group.get(group, 0), str(group)))
    return [
        {
            name: group,
            **summary(interactions_by_group.get(group, 0), feedback_by_group.get(group, {}), delays_by_group[group]),
        }
        for group in ordered
    ]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
