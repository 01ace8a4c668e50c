"""`/api/stats`: how much feedback answers get, and how good it is, for admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, Parameter

from gateway.api.auth import require_admin
from gateway.api.serialize import utc
from gateway.feedback.insights import stats_report
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

    @get("/", summary="Feedback rates, ratings and time to feedback, in total and per day")
    async def get_stats(
        self,
        services: NamedDependency[Services],
        since: Annotated[datetime | None, Parameter(description="ISO 8601; inclusive; default until - 30 days")] = None,
        until: Annotated[datetime | None, Parameter(description="ISO 8601; exclusive; default now")] = None,
        app: FromQuery[str | None] = None,
        model: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        end = utc(until) or datetime.now(UTC)
        start = utc(since) or end - DEFAULT_RANGE
        if start >= end:
            raise ValidationException("'since' must be earlier than 'until'")
        if end - start > MAX_RANGE:
            raise ValidationException(f"the range from 'since' to 'until' may span at most {MAX_RANGE.days} days")
        scope = StatsScope(since=start, until=end, app=app, model=model)
        report = stats_report(
            start,
            end,
            await services.stats.interactions_per_day(scope),
            await services.stats.feedback_per_day(scope),
            await services.stats.feedback_delays(scope),
        )
        return {"since": start, "until": end, "app": app, "model": model, **report}
