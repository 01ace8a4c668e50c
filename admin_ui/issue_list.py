"""The Issues list page: issues by size or growth, filtered by app, status and title search, how many match, a page
at a time (all of it in the URL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException

from admin_ui.charts import sparkline
from admin_ui.issue_views import ISSUE_LIST, PAGE_SIZE, SORTS, STATUSES, ListQuery
from admin_ui.query_params import given_text
from admin_ui.rendering import counted_text, matched_text, render
from admin_ui.session import signed_in
from clustering.issue_status import IssueStatus
from gateway.domain.errors import InvalidQuery
from gateway.domain.issues import Issue
from gateway.domain.overview import follow_ups_of
from gateway.domain.search_length import MAX_SEARCH_CHARS
from gateway.services import Services
from gateway.store.issue_follow_up import IssueFollowUpStore


def trend_sparkline(issue: Issue) -> Any:
    """The issue's size over its last runs, as a sparkline."""
    sizes = [float(point.size) for point in issue.trend]
    return sparkline(
        sizes,
        label=f"Size over the last {counted_text(len(sizes), 'run')}: {', '.join(str(p.size) for p in issue.trend)}",
    )


def _list_page(
    request: Request[Any, Any, Any],
    query: ListQuery,
    apps: list[str],
    rows: list[Any],
    next_offset: int | None,
    *,
    total: int | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response[Any]:
    if query.app and query.app not in apps:
        # The select shows the app the list is filtered by, also one with no issue (or as typed, when refused).
        apps = [*apps, query.app]
    return render(
        request,
        "issues.html",
        status_code=status_code,
        query=query,
        issues=rows,
        has_next=next_offset is not None,
        total_text=_total_text(query, total),
        search_max=MAX_SEARCH_CHARS,
        apps=apps,
        statuses=STATUSES,
        sorts=SORTS,
        error=error,
        # Each issue's link carries the list's query, for its page's way back (admin_ui.list_back).
        back_query=ISSUE_LIST.item_query(query.url()),
    )


def _total_text(query: ListQuery, total: int | None) -> str | None:
    """What the list says of its length: how many issues there are, or how many the filters match (None: unknown)."""
    return matched_text(total, "issue", filtered=bool(query.app or query.status or query.q))


async def _refused_list(request: Request[Any, Any, Any], services: Services, message: str) -> Response[Any]:
    """The list page again (400) with the URL's filters as far as the form can show them, and what to fix."""
    params = {name: given_text(request, name) for name in ("app", "status", "q", "sort")}
    status, sort = params["status"], params["sort"]
    query = ListQuery(
        app=params["app"] or None,
        status=IssueStatus(status) if status in STATUSES else None,
        q=params["q"] or None,
        sort=sort if sort in SORTS else "size",
    )
    return _list_page(request, query, await services.issues.live_apps(), [], None, status_code=400, error=message)


class IssueListController(Controller):
    """GET /admin/issues: the list, for every signed-in user."""

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
            page, total, apps = await asyncio.gather(
                services.issue_service.list(query.where, sort=query.sort, limit=PAGE_SIZE, offset=query.offset),
                services.issue_service.count(query.where),
                services.issues.live_apps(),
            )
        except HTTPException as exc:  # query_params' bad_filter: a 400 naming the filter
            if exc.status_code != 400:
                raise
            return await _refused_list(request, services, str(exc.detail))
        except InvalidQuery as exc:
            return await _refused_list(request, services, exc.message)
        done = await follow_ups_of(
            IssueFollowUpStore(services.engine), [issue.id for issue in page.data], datetime.now(UTC)
        )
        rows = [(issue, trend_sparkline(issue), done[issue.id]) for issue in page.data]
        return _list_page(request, query, apps, rows, page.next_offset, total=total)
