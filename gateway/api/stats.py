"""`/api/stats`: how much feedback answers get, and how good it is, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from gateway.api.admin import AdminController
from gateway.api.serialize import StatsJSON, stats_json
from gateway.domain.stats import GroupBy
from gateway.services import Services


class StatsController(AdminController):
    """Feedback insights over a time range."""

    path = "/api/stats"
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
            GroupBy | None, Parameter(description="also report the totals of each app or model")
        ] = None,
    ) -> StatsJSON:
        report = await services.stats_service.report(since, until, app=app, model=model, group_by=group_by)
        # A mistyped app reports zeros, as an app without traffic does: say which it is.
        warnings = await services.seen_apps.warnings(app, "report") if app is not None else []
        return stats_json(report, warnings)
