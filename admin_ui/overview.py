"""The overview page (/admin): the issues that matter most first, then traffic, rates, the review queue, drift and goals.

Every figure comes from a domain service (StatsService, IssueService, ReviewService, GoalService)
and every rule (issue ranking, drift, goal progress) from gateway.domain; admin_ui.overview_panels
gathers them per panel. The page renders the issues at once and fetches the panels that
aggregate every interaction in the range (traffic, drift, goals) after it (static/panels.js).
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.form_text import refusal_text, refused_field
from admin_ui.overview_panels import RANGE_LINKS, RANGES, Picked, drift_panel, issue_panels, picked_from, traffic_panels
from admin_ui.public_urls import redirect
from admin_ui.rendering import render, render_panel
from admin_ui.session import reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.errors import InvalidQuery
from gateway.services import Services

# What the goal forms hold when they open, by kind.
GOAL_DEFAULTS = {
    "negative_rate_reduction": {"reduction": "30", "months": "3"},
    "tasks_reviewed_within": {"share": "95", "hours": "48"},
}
GOAL_FIELDS = ("kind", "app", "reduction", "months", "share", "hours")
# The goal forms' label for each field the goal service names in a refusal (templates/overview.html).
GOAL_LABELS = {
    "app": "App",
    "reduction": "By (%)",
    "months": "Within (months)",
    "share": "Share (%)",
    "hours": "Within (hours)",
}


def _back_to_overview(picked: Picked) -> dict[str, str]:
    """Where a panel opened on its own leads back to: the overview of the same range and app."""
    return {"back": f"/admin?{picked.query()}", "back_label": "the overview"}


class OverviewController(Controller):
    """GET /admin for every signed-in user; goals are set and removed by reviewers and admins."""

    guards = [signed_in]

    @get("/")
    async def overview(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """The whole overview for the range and app in the URL."""
        return await _overview_page(request, user, services)

    @get("/overview/traffic")
    async def traffic(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The traffic panel: totals, daily charts, per-app or per-model rates, the review queue."""
        picked = picked_from(request)
        panel = await traffic_panels(services, picked, datetime.now(UTC))
        return render_panel(
            request,
            "overview_traffic.html",
            title="Traffic and feedback",
            **_back_to_overview(picked),
            picked=picked,
            **panel,
        )

    @get("/overview/drift")
    async def drift(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The drift panel: each app's recent negative rate against its baseline, alerts first."""
        picked = picked_from(request)
        panel = await drift_panel(services, picked, datetime.now(UTC))
        return render_panel(request, "overview_drift.html", title="Drift", **_back_to_overview(picked), **panel)

    @get("/overview/goals")
    async def goals(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """The goals panel: each goal (of the picked app) with its progress."""
        picked = picked_from(request)
        progress = await services.goals.progress(picked.app)
        return render_panel(
            request,
            "overview_goals.html",
            title="Goals",
            **_back_to_overview(picked),
            picked=picked,
            goals=progress,
            can_set_goals=user.allows(Role.REVIEWER),
        )

    @post("/goals", guards=[reviewer_or_admin])
    async def set_goal(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Set a goal for an app from the form (kind, app, and the kind's figures)."""
        form = await request.form()
        # The app as typed: the goal service trims and refuses it by the one rule, as for every caller.
        app, kind = str(form.get("app", "")), str(form.get("kind", ""))
        try:
            if kind == "negative_rate_reduction":
                goal = await services.goals.set_rate_goal(
                    app, _number(form, "reduction") / 100, _number(form, "months"), actor=user.name
                )
            elif kind == "tasks_reviewed_within":
                goal = await services.goals.set_review_goal(
                    app, _number(form, "share") / 100, _number(form, "hours"), actor=user.name
                )
            else:
                raise InvalidQuery("kind", "choose what the goal is about")
        except InvalidQuery as exc:
            # Shown again as typed, blank characters too: the person sees what was refused.
            typed = {name: str(form.get(name, "")) for name in GOAL_FIELDS}
            return await _overview_page(
                request,
                user,
                services,
                status_code=400,
                goal_error=refusal_text(exc, GOAL_LABELS),
                goal_error_field=refused_field(exc),
                goal_form=typed,
            )
        return redirect(request, f"/admin?{Picked(RANGES[0], goal.app).query()}#goals")

    @post("/goals/{goal_id:str}/delete", guards=[reviewer_or_admin])
    async def remove_goal(
        self,
        request: Request[Any, Any, Any],
        goal_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Remove a goal."""
        if not await services.goals.remove(goal_id, actor=user.name):
            raise NotFoundException("There is no such goal.")
        return redirect(request, "/admin#goals")


def _goal_forms(app: str | None, typed: dict[str, str] | None) -> dict[str, dict[str, str]]:
    """The two goal forms' values by kind: the defaults, except the refused form's values as typed."""
    forms = {kind: {"app": app or "", **defaults} for kind, defaults in GOAL_DEFAULTS.items()}
    if typed is not None and typed.get("kind") in forms:
        kind = typed["kind"]
        forms[kind] = {name: typed.get(name, "") for name in forms[kind]}
    return forms


def _number(form: Any, name: str) -> float:
    raw = str(form.get(name, "")).strip()
    try:
        value = float(raw)
    except ValueError:
        raise InvalidQuery(name, f"'{name}' must be a number") from None
    if not math.isfinite(value):  # int(float("inf")) further on was a 500
        raise InvalidQuery(name, f"'{name}' must be a finite number")
    return value


async def _overview_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    services: Services,
    *,
    status_code: int = 200,
    goal_error: str | None = None,
    goal_error_field: str | None = None,
    goal_form: dict[str, str] | None = None,
) -> Response[Any]:
    picked = picked_from(request)
    can_set_goals = user.allows(Role.REVIEWER)
    issues, live_apps, goals = await asyncio.gather(
        issue_panels(services, picked.app), services.issues.live_apps(), services.goals.goals()
    )
    apps = sorted({*live_apps, *(goal.app for goal in goals)})
    # What the goal forms (for reviewers and admins) offer: the apps with calls and those the pickers name.
    known_apps = sorted({*apps, *await services.seen_apps.names()}) if can_set_goals else []
    if picked.app and picked.app not in apps:
        apps.append(picked.app)
    # The page a set goal leads to: while its app has had no call, say so (the name may be mistyped).
    goal_app = picked.app if any(goal.app == picked.app for goal in goals) else None
    return render(
        request,
        "overview.html",
        status_code=status_code,
        picked=picked,
        range_links=RANGE_LINKS,
        apps=apps,
        goal_error=goal_error,
        # The refused goal form's field: on that form alone (both forms have an app).
        goal_refused={goal_form.get("kind", ""): goal_error_field} if goal_form is not None else {},
        app_warnings=await services.seen_apps.warnings(goal_app, "goal") if goal_app else [],
        known_apps=known_apps,
        goal_forms=_goal_forms(picked.app, goal_form),
        can_set_goals=can_set_goals,
        **issues,
    )
