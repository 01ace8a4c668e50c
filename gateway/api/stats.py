"""`/api/stats`: how much feedback answers get, and how good it is, for admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, Parameter

from gateway.api.auth import require_admin
from gateway.api.paging import utc_param
from gateway.feedback.insights import group_report, stats_report
from gateway.services import Services
from gateway.store.stats import StatsScope

DEFAULT_RANGE = timedelta(days=30)
# The daily series lists every day, so the range is bounded.
MAX_RANGE = timedelta(days=400)


class StatsController(Controller):
    """Feedback insights over a time range."""

    path = "/api/stats"
    guards = [require_admin]
    tags = ["stats"]

    @get("/", summary="Feedback rates, ratings and time to feedback: in total, per day, and per app or model")
    async def get_stats(
        self,
        services: NamedDependency[Services],
        since: Annotated[datetime | None, Parameter(description="ISO 8601; inclusive; default until - 30 days")] = None,
        until: Annotated[datetime | None, Parameter(description="ISO 8601; exclusive; default now")] = None,
        app: FromQuery[str | None] = None,
        model: FromQuery[str | None] = None,
        group_by: Annotated[
            Literal["app", "model"] | None, Parameter(description="also report the totals of each app or model")
        ] = None,
    ) -> dict[str, Any]:
        end = utc_param(until, "until") or datetime.now(UTC)
        try:
            start = utc_param(since, "since") or end - DEFAULT_RANGE
        except OverflowError:
            raise ValidationException("'until' is too early for the default 30-day range; give 'since' too") from None
        if start >= end:
            raise ValidationException("'since' must be earlier than 'until'")
        if end - start > MAX_RANGE:
            raise ValidationException(f"the range from 'since' to 'until' may span at most {MAX_RANGE.days} days")
        scope = StatsScope(since=start, until=end, app=app, model=model)
        stats = services.stats
        report = stats_report(
            start,
            end,
            await stats.interactions_by(scope, "day"),
            await stats.feedback_by(scope, "day"),
            await stats.feedback_delays(scope, "day"),
        )
        if group_by is not None:
            report["groups"] = group_report(
                group_by,
                await stats.interactions_by(scope, group_by),
                await stats.feedback_by(scope, group_by),
                await stats.feedback_delays(scope, group_by),
            )
        return {"since": start, "until": end, "app": app, "model": model, **report}
