"""The overview's panels: each gathers what one part of /admin shows from the domain services.

The issue panel renders with the page; the traffic, drift and goal panels need aggregates over
every interaction in their range, so the page loads them after it has rendered (static/panels.js
fetches /admin/overview/<panel>), and a slow aggregate never holds the page up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from admin_ui.charts import Series, bar_chart, for_any_box, line_chart, percent
from admin_ui.query_params import choice_param, text_param
from gateway.domain.overview import (
    IMPORTANCE_RULE,
    DriftRule,
    FollowUp,
    RankedIssue,
    drift_checks,
    drift_since,
    fastest_growing,
    follow_ups_of,
    rank_issues,
)
from gateway.services import Services
from gateway.store.issue_follow_up import IssueFollowUpStore
from gateway.store.issues import IssueFilter

# The time ranges the picker offers, in days; the first is the default.
RANGES = (7, 1, 30, 90)
TOP_ISSUES = 10
GROWING_ISSUES = 5
# How many issues (by size, and by growth) the ranking considers.
RANKING_CANDIDATES = 100
DRIFT_RULE = DriftRule()


@dataclass(frozen=True, slots=True)
class Picked:
    """What the pickers chose (from the URL): the range in days and the app (None for all)."""

    days: int
    app: str | None

    def query(self, **changes: Any) -> str:
        """The URL query for this choice with `changes` applied (app=None drops the app)."""
        values = {"days": self.days, "app": self.app, **changes}
        return urlencode({k: v for k, v in values.items() if v is not None})


@dataclass(frozen=True, slots=True)
class TopIssue:
    """A ranked issue with its waiting review tasks and its latest linked fix."""

    ranked: RankedIssue
    follow_up: FollowUp


def range_words(days: int) -> str:
    """A range as the picker's link reads it: "24 hours", "7 days"."""
    return "24 hours" if days == 1 else f"{days} days"


# The picker's links, shortest range first: each range's URL value and its words.
RANGE_LINKS = {str(days): range_words(days) for days in sorted(RANGES)}


def picked_from(request: Request[Any, Any, Any]) -> Picked:
    """The pickers' choice from the query string; a range the pickers do not offer is a 400 naming it and the ranges
    as the links read them."""
    days = choice_param(request, "days", RANGE_LINKS)
    return Picked(int(days) if days else RANGES[0], text_param(request, "app"))


async def issue_panels(services: Services, app: str | None) -> dict[str, Any]:
    """The ranked issues with their tasks and fixes, and the fastest-growing ones."""
    # The ranking leaves closed issues out: read among the others, or the biggest closed ones take every place.
    where = IssueFilter(app=app, undecided=True)
    by_size, by_growth = await asyncio.gather(
        services.issue_service.list(where, "size", RANKING_CANDIDATES),
        services.issue_service.list(where, "growth", RANKING_CANDIDATES),
    )
    candidates = [*by_size.data, *by_growth.data]
    # Every candidate's latest fix and its kept effect first: a fix that measurably worked weighs in the ranking.
    ids = list(dict.fromkeys(issue.id for issue in candidates))
    done = await follow_ups_of(IssueFollowUpStore(services.engine), ids, datetime.now(UTC))
    ranked = rank_issues(candidates, TOP_ISSUES, done)
    top = [TopIssue(r, done[r.issue.id]) for r in ranked]
    return {
        "top_issues": top,
        "growing": fastest_growing(candidates, GROWING_ISSUES),
        "importance_rule": IMPORTANCE_RULE,
    }


async def traffic_panels(services: Services, picked: Picked, now: datetime) -> dict[str, Any]:
    """Totals, the daily charts, each app's (or, for one app, each model's) rates, and the review queue."""
    since = now - timedelta(days=picked.days)
    report = await services.stats_service.report(
        since=since, until=now, app=picked.app, group_by="model" if picked.app else "app"
    )
    days = [day.day.strftime("%m-%d") for day in report.daily]
    counts = [
        Series("interactions", [day.summary.interactions for day in report.daily]),
        Series("feedback", [day.summary.feedback for day in report.daily]),
    ]
    # Positive first: the palette's blue, and negative its red, as readers expect.
    shares = [
        Series("positive", [day.summary.positive_rate for day in report.daily]),
        Series("negative", [day.summary.negative_rate for day in report.daily]),
    ]
    volume = for_any_box(
        lambda geometry: bar_chart(
            "Interactions and feedback per day", days, counts, unit="count per UTC day", geometry=geometry
        )
    )
    rates = for_any_box(
        lambda geometry: line_chart(
            "Positive and negative rate per day",
            days,
            shares,
            unit="% of feedback",
            fmt=percent,
            top=1.0,
            geometry=geometry,
        )
    )
    queue = await services.reviews.stats(app=picked.app, since=since, until=now)
    return {"report": report, "volume_chart": volume, "rate_chart": rates, "queue": queue}


async def drift_panel(services: Services, picked: Picked, now: datetime) -> dict[str, Any]:
    """Every app's drift check (only the picked app's when one is picked), alerts first, and how it is computed."""
    checks = await drift_checks(services.stats_service, now, DRIFT_RULE)
    return {
        "drift": [check for check in checks if picked.app is None or check.app == picked.app],
        "drift_rule": DRIFT_RULE.explained(),
        # The fold says it has no feedback since then (the windows' span, from the rule, not a figure of its own).
        "drift_since": drift_since(now, DRIFT_RULE),
    }
