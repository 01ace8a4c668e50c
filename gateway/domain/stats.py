"""The feedback stats report: its record, the range rules, and the service that computes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from gateway.domain.errors import InvalidQuery
from gateway.domain.time_range import range_up_to
from gateway.feedback.insights import DaySummary, FeedbackSummary, GroupSummary, group_summaries, totals_and_days
from gateway.store.stats import StatsScope, StatsStore

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
    """Reports feedback rates, ratings and time to feedback over a time range."""

    def __init__(self, store: StatsStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
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
        scope = StatsScope(since=start, until=end, app=app, model=model)
        store = self._store
        totals, daily = totals_and_days(
            start,
            end,
            await store.interactions_by(scope, "day"),
            await store.feedback_by(scope, "day"),
            await store.feedback_delays(scope, "day"),
        )
        groups = None
        if group_by is not None:
            groups = group_summaries(
                await store.interactions_by(scope, group_by),
                await store.feedback_by(scope, group_by),
                await store.feedback_delays(scope, group_by),
            )
        return StatsReport(start, end, app, model, totals, daily, group_by, groups)

    def _range(self, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
        start, end = range_up_to(since, until, now=self._clock(), length=DEFAULT_RANGE)
        if end - start > MAX_RANGE:
            raise InvalidQuery("since", f"the range from 'since' to 'until' may span at most {MAX_RANGE.days} days")
        return start, end
