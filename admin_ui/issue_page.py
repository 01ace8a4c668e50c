"""One issue's page: its examples side by side, history, events, fixes, review tasks and (for reviewers) its forms.

Reading needs a session (viewer and up). The forms post to admin_ui/issue_actions.py, which
answers a refused one with this page again, the form as sent. A fix's measured effect is slow (it
embeds and scans traffic), so the page only lists the linked fixes and a script loads the effect
afterwards from /effect, the feedback map from /map and the merge candidates from /merge-candidates.
An issue may have had several fixes linked over time: each row of the fixes table opens its own
effect (?link_id=, the same choice GET /api/issues/{id}/effect takes), the latest by default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.charts import Marker, Series, for_any_box, line_chart, position_among_days, scatter_map
from admin_ui.interactions import LIST_PATH as INTERACTIONS_PATH
from admin_ui.issue_views import (
    EVENT_FIELD_LABELS,
    ISSUE_ID_FIELDS,
    ISSUE_LIST,
    ISSUES_PATH,
    FixView,
    example_view,
    fix_view,
    issues_named,
)
from admin_ui.list_back import back_context, sent_back, with_back
from admin_ui.query_params import text_param, url_with
from admin_ui.rendering import render, render_panel, when_text
from admin_ui.review_queue import QUEUE_PATH
from admin_ui.session import current_user, signed_in
from clustering.issue_status import TRIAGE_STATUSES, IssueStatus
from gateway.accounts.records import Role
from gateway.discovery.feedback_map import FeedbackMapService
from gateway.domain.issue_history import issue_history
from gateway.domain.issues import IssueDetail
from gateway.domain.quoting import clipped
from gateway.effect.links import FixLinkNotFound, IssueNotFound
from gateway.review.records import Priority
from gateway.services import Services
from gateway.store.reviews import ReviewFilter

# How many representative examples the issue page shows side by side.
EXAMPLES_SHOWN = 6
# How many of the issue's review tasks the page lists (newest first).
TASKS_SHOWN = 10
# How many issues of the same app the merge form offers.
MERGE_CHOICES = 100
# What a redirect after an action may say: a fixed message per code, so a crafted link cannot put words on the page.
NOTICES = {
    "opened": "Opened.",
    "open": "Reopened.",
    "resolved": "Resolved.",
    "dismissed": "Dismissed.",
    "renamed": "Renamed.",
    "merged": "Merged.",
    "review": "Review task opened.",
    "review-updated": (
        "The issue already has an open review task, so no second one was opened: your request went to that task "
        "(listed below), and what you wrote is in its events."
    ),
    "review-unchanged": "The issue's open review task already says this: nothing changed.",
    "fixed": "The fix is live and linked to this issue: its effect is measured below as new traffic comes in.",
    "fixed-already": "This fix was already live and linked to this issue: nothing was made twice.",
    "fixed-revised": (
        "The issue's live knowledge-base entry of that title now has this preview's text, as a new version "
        "(not a second entry): its effect is measured below from now."
    ),
}


def history_chart(detail: IssueDetail, fixes: Sequence[FixView] = ()) -> Any:
    """The issue's daily series: its size and negative feedback count per day with a run, and when each fix went live."""
    if not detail.daily:
        return None
    days = [point.day for point in detail.daily]
    series = [
        Series("complaints (size)", [float(point.size) for point in detail.daily]),
        Series("negative feedback", [float(point.negative_count) for point in detail.daily]),
    ]
    markers = []
    for fix in fixes:
        position = position_among_days(days, fix.fix.link.live_at.date())
        if position is not None:
            name = f"{fix.fix.link.kind} fix {fix.fix.name or fix.fix.link.fix_id} live from {when_text(fix.fix.link.live_at)}"
            markers.append(Marker(position, name))
    labels = [day.isoformat() for day in days]
    return for_any_box(
        lambda geometry: line_chart(
            "Issue history per day", labels, series, unit="complaints", markers=markers, geometry=geometry
        )
    )


def _can_act(request: Request[Any, Any, Any]) -> bool:
    """Whether the signed-in user may change issues (reviewers and admins)."""
    user = current_user(request)
    return user is not None and user.allows(Role.REVIEWER)


async def _fixes(services: Services, issue_id: str, app: str) -> list[FixView]:
    """The fixes linked to the issue, the earliest to go live first, each named as people know it."""
    fix_links = services.fix_links
    try:
        links = await fix_links.fixes_for(issue_id)
    except IssueNotFound:
        return []
    return [fix_view(named, app) for named in await fix_links.named(links)]


def _back_to_issue(request: Request[Any, Any, Any], issue_id: str) -> dict[str, str]:
    """Where a panel opened on its own leads back to: its issue's page, with the way back to the list it was opened
    with (admin_ui.list_back)."""
    kept = ISSUE_LIST.kept(request.query_params.get("back"))
    return {"back": with_back(f"{ISSUES_PATH}/{quote(issue_id, safe='')}", kept), "back_label": "the issue"}


def _effect_url(issue_id: str, link_id: str | None, back: str) -> str:
    """The effect panel's address: the fix link `link_id`'s effect, or (None) the one the effect service measures by
    default; with the kept `back`, for its "Back to the issue" when opened on its own."""
    url = f"{ISSUES_PATH}/{quote(issue_id, safe='')}/effect"
    return with_back(f"{url}?{urlencode({'link_id': link_id})}" if link_id is not None else url, back)


async def issue_page(
    request: Request[Any, Any, Any],
    services: Services,
    issue_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    kept: dict[str, str] | None = None,
    error_field: str | None = None,
) -> Response[Any]:
    """The issue's page; after a refused action, `kept` is the form the person sent, shown again in its form.

    `kept["action"]` names the form (status, rename, merge or review) and the rest its fields; `error_field`
    names the box to fix (in the form sent). The forms' expected_status, expected_title and
    expected_merged_into always hold the issue as shown now, so sending a kept form again is a
    decision on what the page shows.
    """
    detail = await services.issue_service.get(issue_id)
    if detail is None:
        raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
    issue = detail.issue
    examples = detail.examples[:EXAMPLES_SHOWN]
    can_act = _can_act(request)
    interactions = services.interaction_service
    # A merged issue holds no interactions, and its review tasks are listed with those of the issue holding its
    # complaints now; a live one's tasks include those of the issues merged into it (gateway.domain.issue_scope).
    scope = await services.issue_service.scope(issue.id)
    interactions_of = scope.holder
    # Other issues are named by their titles, never by their ids: the one this was merged into (and where its
    # complaints are now, at the end of its merges), those its events name.
    named = ([issue.merged_into, interactions_of] if issue.merged_into else []) + issues_named(detail.changes)
    found, fixes, merge_choices, tasks, changes, issue_titles = await asyncio.gather(
        asyncio.gather(*(interactions.get_with_feedback(e.interaction_id) for e in examples)),
        _fixes(services, issue_id, issue.app),
        services.issue_service.merge_targets(issue.id, issue.app, MERGE_CHOICES if can_act else 0),
        services.reviews.list(ReviewFilter(issue_ids=scope.issue_ids), sort="newest", limit=TASKS_SHOWN),
        # The history GET /api/issues/{id} reads too: the issue's changes and the tasks opened on it.
        issue_history(detail, scope, services.reviews.openings),
        services.issue_service.titles(named),
    )
    back = await sent_back(request)
    link_id = text_param(request, "link_id", max_length=36)
    if link_id is not None and link_id not in {fix.fix.link.id for fix in fixes}:
        raise NotFoundException(f"This issue has no fix link {link_id}: its fixes table links each one's effect.")
    notice = NOTICES.get(request.query_params.get("done") or "")
    return render(
        request,
        "issue.html",
        status_code=status_code,
        issue=issue,
        detail=detail,
        examples=[example_view(e, f) for e, f in zip(examples, found, strict=True)],
        interactions_url=url_with(INTERACTIONS_PATH, {"issue": interactions_of}),
        interactions_of=interactions_of,
        tasks_url=url_with(QUEUE_PATH, {"issue": issue.id, "status": "any"}),
        history=history_chart(detail, fixes),
        changes=list(reversed(changes)),
        fixes=fixes,
        effect_url=_effect_url(issue_id, link_id, ISSUE_LIST.kept(back)),
        issue_titles=issue_titles,
        issue_id_fields=ISSUE_ID_FIELDS,
        event_field_labels=EVENT_FIELD_LABELS,
        tasks=tasks.data,
        merge_choices=merge_choices,
        triage_statuses=[status.value for status in IssueStatus if status in TRIAGE_STATUSES],
        priorities=[priority.value for priority in Priority],
        notice=notice,
        error=error,
        kept=kept or {},
        error_field=error_field,
        # The way back to the list as it was filtered, also after a form sent here (admin_ui.list_back).
        **back_context(ISSUE_LIST, back),
        can_act=can_act,
    )


class IssuePageController(Controller):
    """GET /admin/issues/{id} and its panels (/effect, /map, /merge-candidates): for every signed-in user."""

    path = "/issues"
    guards = [signed_in]

    @get("/{issue_id:str}")
    async def show_issue(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """One issue: summary, keywords, examples side by side, history, events, fixes and (for reviewers) actions."""
        return await issue_page(request, services, issue_id)

    @get("/{issue_id:str}/effect")
    async def effect(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """The measured effect of the issue's latest fix (or of ?link_id=), as a fragment the issue page loads after itself."""
        link_id = text_param(request, "link_id", max_length=36)
        try:
            effect = await services.effect_keeper.effect(issue_id, link_id)
        except IssueNotFound as exc:
            raise NotFoundException(f"No issue with id {clipped(issue_id)}.") from exc
        except FixLinkNotFound as exc:
            raise NotFoundException(f"This issue has no fix link {link_id}.") from exc
        fix = None
        if effect.fix is not None:
            fix = fix_view((await services.fix_links.named([effect.fix]))[0], effect.app)
        return render_panel(
            request,
            "issue_effect.html",
            title="Effect of a fix",
            **_back_to_issue(request, issue_id),
            effect=effect,
            fix=fix,
        )

    @get("/{issue_id:str}/map")
    async def feedback_map(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """The app's negative feedback in 2-D with the issue's members marked, as a fragment the issue page loads after itself."""
        detail = await services.issue_service.get(issue_id)
        if detail is None:
            raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
        found = await FeedbackMapService.for_engine(services.engine).for_issue(detail.issue.app, detail.member_ids)
        chart = None
        if found is not None:
            points = [(point.x, point.y, point.member) for point in found.points]
            label = f"Negative feedback of {found.app}: this issue's complaints in red"
            chart = scatter_map(points, label=label, highlight="this issue", rest="other complaints")
        return render_panel(
            request,
            "issue_map.html",
            title=f"Negative feedback of {detail.issue.app}",
            **_back_to_issue(request, issue_id),
            feedback_map=found,
            chart=chart,
            app=detail.issue.app,
        )

    @get("/{issue_id:str}/merge-candidates")
    async def merge_candidates(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """Issues plainly about the same thing (close centroids, shared keywords), as a fragment the issue page loads after itself."""
        suggestions, seen = await asyncio.gather(
            services.issue_service.merge_suggestions(issue_id), services.issue_service.view(issue_id)
        )
        if suggestions is None or seen is None:
            raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
        can_act = _can_act(request)
        return render_panel(
            request,
            "issue_merge_candidates.html",
            title="Issues about the same thing",
            **_back_to_issue(request, issue_id),
            issue_id=issue_id,
            suggestions=suggestions.shown,
            more=suggestions.more,
            close_bar=suggestions.close_bar,
            can_act=can_act,
            seen=seen,
            # Its merge form returns to the issue page with the way back it was opened with.
            **back_context(ISSUE_LIST, request.query_params.get("back")),
        )
