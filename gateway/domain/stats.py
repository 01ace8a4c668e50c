"""The feedback stats report: its record, the range rules, and the service that computes it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from gateway.domain.errors import InvalidQuery
from gateway.domain.time_range import range_up_to
from gateway.feedback.insights import (
    DaySummary,
    FeedbackSummary,
    GroupSummary,
    Tally,
    group_summaries,
    totals_and_days,
)
from gateway.store.daily_stats import DailyStatsStore

GroupBy = Literal["app", "model"]
DEFAULT_RANGE = timedelta(days=30)
# The daily series lists every day, so the range is bounded.
MAX_RANGE = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class StatsReport:
    """Feedback on interactions created in [since, until), optionally of one app and one model."""

    since: datetime
    until: datetime
    app: str | None
    model: str | None
    totals: FeedbackSummary
    daily: tuple[DaySummary, ...]
    # What `groups` is per (each app's or each model's totals); None when no grouping was asked for.
    group_by: GroupBy | None = None
    groups: tuple[GroupSummary, ...] | None = None


class StatsService:
    """Reports feedback rates, ratings and time to feedback over a time range.

    Whole UTC days come from the daily roll-ups (a row per day, app and model), the partial days
    at the range's edges from the raw rows, so a 90-day report reads a few hundred rows.
    """

    def __init__(self, daily: DailyStatsStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._daily = daily
        self._clock = clock

    async def report(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        app: str | None = None,
        model: str | None = None,
        group_by: GroupBy | None = None,
    ) -> StatsReport:
        """Totals, a daily series and, with `group_by`, each app's or model's totals.

        `until` defaults to now, `since` to 30 days before `until`.
        """
        start, end = self._range(since, until)
        tallies = await self._daily.tallies_between(start, end, app, model)
        per_day: defaultdict[str, Tally] = defaultdict(Tally)
        per_group: defaultdict[str | None, Tally] = defaultdict(Tally)
        for (day, tally_app, tally_model), tally in tallies:
            per_day[day].add(tally)
            if group_by is not None:
                per_group[tally_app if group_by == "app" else tally_model].add(tally)
        totals, daily = totals_and_days(start, end, per_day)
        groups = group_summaries(per_group) if group_by is not None else None
        return StatsReport(start, end, app, model, totals, daily, group_by, groups)

    def _range(self, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
        start, end = range_up_to(since, until, now=self._clock(), length=DEFAULT_RANGE)
        if end - start > MAX_RANGE:
            raise InvalidQuery("since", f"the range from 'since' to 'until' may span at most {MAX_RANGE.days} days")
        return start, end
