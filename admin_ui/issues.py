"""The Issues pages: the list (sort, filters and page in the URL) and one issue with its examples, history and actions.

Reading needs a session (viewer and up); every action needs reviewer or admin, checked on the
server, and goes through the same domain services as the JSON API (IssueService, ReviewService),
under the user's name. A fix's measured effect is slow (it embeds and scans traffic), so the page
only lists the linked fixes and a script loads the effect afterwards from /effect, and the
feedback map from /map.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.charts import Series, line_chart, scatter_map, sparkline
from admin_ui.issue_views import ISSUES_PATH, PAGE_SIZE, SORTS, STATUSES, ListQuery, example_view
from admin_ui.rendering import render
from admin_ui.session import current_user, reviewer_or_admin, signed_in
from clustering.issue_status import TRIAGE_STATUSES, IssueStatus
from gateway.accounts.records import Role, SignedInUser
from gateway.discovery.feedback_map import FeedbackMapService
from gateway.domain.errors import InvalidQuery
from gateway.domain.issues import Issue, IssueDetail
from gateway.domain.stored_text import refuse_nul, refuse_nuls
from gateway.effect.links import IssueNotFound
from gateway.effect.records import FixLink
from gateway.review.errors import TaskConflict
from gateway.review.records import Priority, Source
from gateway.services import Services
from gateway.store.issues import IssueSort
from gateway.store.reviews import ReviewFilter

# How many representative examples the issue page shows side by side.
EXAMPLES_SHOWN = 6
# How many of the issue's review tasks the page lists (newest first).
TASKS_SHOWN = 10
# How many issues of the same app the merge form offers.
MERGE_CHOICES = 100
# What a redirect after an action may say: a fixed message per code, so a crafted link cannot put words on the page.
NOTICES = {
    "open": "Reopened.",
    "resolved": "Resolved.",
    "dismissed": "Dismissed.",
    "renamed": "Renamed.",
    "merged": "Merged.",
    "review": "Review task opened (or the issue's open task updated).",
    "review-unchanged": "The issue's open review task already says this: nothing changed.",
}


def trend_sparkline(issue: Issue) -> Any:
    """The issue's size over its last runs, as a sparkline."""
    sizes = [float(point.size) for point in issue.trend]
    return sparkline(
        sizes, label=f"Size over the last {len(sizes)} runs: {', '.join(str(p.size) for p in issue.trend)}"
    )


def history_chart(detail: IssueDetail) -> Any:
    """The issue's daily series: its size and negative feedback count per day with a run."""
    if not detail.daily:
        return None
    labels = [point.day.isoformat() for point in detail.daily]
    series = [
        Series("complaints (size)", [float(point.size) for point in detail.daily]),
        Series("negative feedback", [float(point.negative_count) for point in detail.daily]),
    ]
    return line_chart("Issue history per day", labels, series, unit="complaints")


async def _fixes(services: Services, issue_id: str) -> list[FixLink]:
    try:
        return await services.fix_links.fixes_for(issue_id)
    except IssueNotFound:
        return []


async def _issue_page(
    request: Request[Any, Any, Any],
    services: Services,
    issue_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    typed_title: str | None = None,
) -> Response[Any]:
    """The issue's page; after a refused rename, `typed_title` is what the rename box holds again."""
    detail = await services.issue_service.get(issue_id)
    if detail is None:
        raise NotFoundException(f"No issue with id {issue_id}.")
    issue = detail.issue
    examples = detail.examples[:EXAMPLES_SHOWN]
    can_act = _can_act(request)
    interactions = services.interaction_service
    found, fixes, merge_choices, tasks = await asyncio.gather(
        asyncio.gather(*(interactions.get_with_feedback(e.interaction_id) for e in examples)),
        _fixes(services, issue_id),
        services.issue_service.merge_targets(issue.id, issue.app, MERGE_CHOICES if can_act else 0),
        services.reviews.list(ReviewFilter(issue_id=issue_id), sort="newest", limit=TASKS_SHOWN),
    )
    notice = NOTICES.get(request.query_params.get("done") or "")
    return render(
        request,
        "issue.html",
        status_code=status_code,
        issue=issue,
        detail=detail,
        examples=[example_view(e, f) for e, f in zip(examples, found, strict=True)],
        history=history_chart(detail),
        changes=list(reversed(detail.changes)),
        fixes=fixes,
        tasks=tasks.data,
        merge_choices=merge_choices,
        triage_statuses=[status.value for status in IssueStatus if status in TRIAGE_STATUSES],
        priorities=[priority.value for priority in Priority],
        notice=notice,
        error=error,
        typed_title=typed_title,
        list_url=ISSUES_PATH,
        can_act=can_act,
    )


def _list_page(
    request: Request[Any, Any, Any],
    query: ListQuery,
    apps: list[str],
    rows: list[Any],
    next_offset: int | None,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response[Any]:
    return render(
        request,
        "issues.html",
        status_code=status_code,
        query=query,
        issues=rows,
        has_next=next_offset is not None,
        apps=apps,
        statuses=STATUSES,
        sorts=SORTS,
        error=error,
    )


async def _refused_list(request: Request[Any, Any, Any], services: Services, message: str) -> Response[Any]:
    """The list page again (400) with the URL's filters as far as the form can show them, and what to fix."""
    params = {name: (request.query_params.get(name) or "").strip() for name in ("app", "status", "sort")}
    status, sort = params["status"], params["sort"]
    query = ListQuery(
        app=params["app"] or None,
        status=IssueStatus(status) if status in STATUSES else None,
        sort=cast("IssueSort", sort) if sort in SORTS else "size",
    )
    apps = list(await services.issues.live_apps())
    if query.app and query.app not in apps:
        apps.append(query.app)  # the select shows the app as typed
    return _list_page(request, query, apps, [], None, status_code=400, error=message)


def _can_act(request: Request[Any, Any, Any]) -> bool:
    """Whether the signed-in user may change issues (reviewers and admins)."""
    user = current_user(request)
    return user is not None and user.allows(Role.REVIEWER)


def _done(issue_id: str, what: str) -> Redirect:
    # Post/redirect/get: reloading the page does not repeat the action.
    return Redirect(f"{ISSUES_PATH}/{issue_id}?done={what}", status_code=303)


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}


class IssuesController(Controller):
    """/admin/issues: reading for every signed-in user; actions for reviewers and admins."""

    path = "/issues"
    guards = [signed_in]

    @get("/")
    async def list_issues(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """Issues by size or growth, filtered by app and status, a page at a time.

        A filter the list cannot use is the list page again (400): the form keeps the filters it can
        show, the message says which one to fix, and no issues are listed under it.
        """
        try:
            query = ListQuery.from_request(request)
            page, apps = await asyncio.gather(
                services.issue_service.list(query.where, sort=query.sort, limit=PAGE_SIZE, offset=query.offset),
                services.issues.live_apps(),
            )
        except HTTPException as exc:  # query_params' bad_filter: a 400 naming the filter
            if exc.status_code != 400:
                raise
            return await _refused_list(request, services, str(exc.detail))
        except InvalidQuery as exc:
            return await _refused_list(request, services, exc.message)
        return _list_page(
            request, query, apps, [(issue, trend_sparkline(issue)) for issue in page.data], page.next_offset
        )

    @get("/{issue_id:str}")
    async def show_issue(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """One issue: summary, keywords, examples side by side, history, events, fixes and (for reviewers) actions."""
        return await _issue_page(request, services, issue_id)

    @get("/{issue_id:str}/effect")
    async def effect(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """The measured effect of the issue's latest fix, as a fragment the issue page loads after itself."""
        try:
            effect = await services.effects.effect(issue_id)
        except IssueNotFound as exc:
            raise NotFoundException(f"No issue with id {issue_id}.") from exc
        return render(request, "issue_effect.html", effect=effect)

    @get("/{issue_id:str}/map")
    async def feedback_map(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """The app's negative feedback in 2-D with the issue's members marked, as a fragment the issue page loads after itself."""
        detail = await services.issue_service.get(issue_id)
        if detail is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        found = await FeedbackMapService.for_engine(services.engine).for_issue(detail.issue.app, detail.member_ids)
        chart = None
        if found is not None:
            points = [(point.x, point.y, point.member) for point in found.points]
            label = f"Negative feedback of {found.app}: this issue's complaints in red"
            chart = scatter_map(points, label=label, highlight="this issue", rest="other complaints")
        return render(request, "issue_map.html", feedback_map=found, chart=chart, app=detail.issue.app)

    @get("/{issue_id:str}/merge-candidates")
    async def merge_candidates(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """Issues plainly about the same thing (close centroids, shared keywords), as a fragment the issue page loads after itself."""
        suggestions = await services.issue_service.merge_suggestions(issue_id)
        if suggestions is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        can_act = _can_act(request)
        return render(
            request, "issue_merge_candidates.html", issue_id=issue_id, suggestions=suggestions, can_act=can_act
        )

    @post("/{issue_id:str}/status", guards=[reviewer_or_admin])
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Reopen, resolve or dismiss the issue, with an optional note.

        The triage forms (this one, rename and merge) send `expected_status`, the status the page
        showed. It is not checked yet: IssueService.triage/rename/merge take no expected state, so a
        page opened before someone else's change still goes through. A real check belongs in the
        store's update (compare and set in the same transaction, refused with the current issue) for
        the page to answer 409 with the issue as it is now, as the knowledge edit form does.
        """
        form = await _form(request)
        status = form.get("status", "")
        try:
            if status not in STATUSES:
                raise InvalidQuery("status", "Choose open, resolved or dismissed.")
            refuse_nul("note", form.get("note"))
            changed = await services.issue_service.triage(
                issue_id, IssueStatus(status), form.get("note") or None, actor=user.name
            )
        except InvalidQuery as exc:
            return await _issue_page(request, services, issue_id, status_code=400, error=exc.message)
        if changed is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        return _done(issue_id, status)

    @post("/{issue_id:str}/rename", guards=[reviewer_or_admin])
    async def rename(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Give the issue a new title."""
        form = await _form(request)
        try:
            refuse_nul("title", form.get("title"))
            changed = await services.issue_service.rename(issue_id, form.get("title", ""), actor=user.name)
        except InvalidQuery as exc:
            return await _issue_page(
                request, services, issue_id, status_code=400, error=exc.message, typed_title=form.get("title", "")
            )
        if changed is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        return _done(issue_id, "renamed")

    @post("/{issue_id:str}/merge", guards=[reviewer_or_admin])
    async def merge(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Merge the issue into another issue of the same app; the page then shows the merged issue."""
        form = await _form(request)
        try:
            refuse_nuls([("into", form.get("into")), ("note", form.get("note"))])
            changed = await services.issue_service.merge(
                issue_id, form.get("into", ""), actor=user.name, note=form.get("note") or None
            )
        except InvalidQuery as exc:
            return await _issue_page(request, services, issue_id, status_code=400, error=exc.message)
        if changed is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        return _done(issue_id, "merged")

    @post("/{issue_id:str}/review", guards=[reviewer_or_admin])
    async def open_review(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Open a review task for the issue (or add to its open one), with its examples' interactions."""
        form = await _form(request)
        detail = await services.issue_service.get(issue_id)
        if detail is None:
            raise NotFoundException(f"No issue with id {issue_id}.")
        priority = form.get("priority", "")
        reason = form.get("reason") or f"Review the issue “{detail.issue.title}”."
        try:
            if priority not in {p.value for p in Priority}:
                raise InvalidQuery("priority", "Choose a priority: high, medium or low.")
            refuse_nul("reason", form.get("reason"))
            opened = await services.reviews.open_or_update(
                app=detail.issue.app,
                source=Source.MANUAL,
                reason=reason,
                priority=Priority(priority),
                interaction_ids=detail.member_ids,
                issue_id=issue_id,
                evidence={"from": "the issue page", "issue": {"id": issue_id, "title": detail.issue.title}},
                tags=detail.issue.keywords[:3],
                actor=user.name,
            )
        except InvalidQuery as exc:
            return await _issue_page(request, services, issue_id, status_code=400, error=exc.message)
        except TaskConflict as exc:
            return await _issue_page(request, services, issue_id, status_code=409, error=exc.message)
        if opened is None:
            return _done(issue_id, "review-unchanged")
        return _done(issue_id, "review")
