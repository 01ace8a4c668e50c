"""The overview page (a first cut): the last 7 days' interactions and feedback, from StatsService."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from admin_ui.rendering import render
from admin_ui.session import signed_in
from gateway.services import Services

OVERVIEW_DAYS = 7


class OverviewController(Controller):
    """GET /admin: for every signed-in user."""

    guards = [signed_in]

    @get("/")
    async def overview(self, request: Request, services: NamedDependency[Services]) -> Response:
        """Totals and a daily table of interactions and feedback over the last 7 days."""
        report = await services.stats_service.report(since=datetime.now(UTC) - timedelta(days=OVERVIEW_DAYS))
        return render(request, "overview.html", report=report, days=OVERVIEW_DAYS)
