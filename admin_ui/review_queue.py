"""The review queue page: ReviewService's listing (as /api/reviews has it), filtered from the URL, keyboard-driven."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.issue_shown import IssueShown, issue_shown
from admin_ui.list_back import ListBack
from admin_ui.public_urls import redirect
from admin_ui.query_params import QueryParams, choice_param, offset_param, text_param, url_with
from admin_ui.rendering import matched_text, render, words
from admin_ui.session import signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.errors import InvalidQuery
from gateway.domain.issue_views import MAX_ISSUE_ID
from gateway.review.held_poll import app_waits
from gateway.review.records import PRIORITY_ORDER, UNFINISHED, ListedStatus, ReviewTask, Source, Status
from gateway.review.source_words import source_words
from gateway.services import Services
from gateway.store.reviews import ReviewFilter, ReviewSort

QUEUE_PATH = "/admin/reviews"
PAGE_SIZE = 50
# Each order's URL value and the words the Order select shows.
SORTS = {"queue": "priority, then deadline", "newest": "newest first"}
FILTER_NAMES = ("app", "status", "priority", "source", "assignee", "tag", "issue", "overdue", "sort")
# A reviewer opens the queue for the work still to do, so finished tasks show only when asked for ("any" or by name).
ANY_STATUS = "any"
# Each status choice's URL value and the words the Status select shows, in its order.
STATUS_CHOICES = {
    UNFINISHED: "unfinished (open or in progress)",
    ANY_STATUS: "any",
    **{status.value: words(status.value) for status in Status},
}
assert set(STATUS_CHOICES) == {ANY_STATUS, *get_args(ListedStatus)}
# The late filter's choices as its select shows them.
OVERDUE_CHOICES = {"true": "past deadline", "false": "not late"}
# Each source as the Source select shows it (gateway.review.source_words).
SOURCE_CHOICES = {source.value: source_words(source) for source in Source}
# The keys the queue and task pages answer to (admin_ui/static/review_keys.js), as the page lists them.
QUEUE_KEYS = (
    ("j / k", "next / previous task"),
    ("Enter", "open the task"),
    ("c", "claim"),
    ("a", "approve"),
    ("r", "reject"),
    ("e", "correct (opens the correction box)"),
)


def queue_filters(request: QueryParams) -> dict[str, str | None]:
    """The queue's filters as the URL gives them (400 for a value the listing does not know)."""
    return {
        "app": text_param(request, "app"),
        "status": choice_param(request, "status", STATUS_CHOICES),
        "priority": choice_param(request, "priority", [priority.value for priority in PRIORITY_ORDER]),
        "source": choice_param(request, "source", SOURCE_CHOICES),
        "assignee": text_param(request, "assignee"),
        "tag": text_param(request, "tag"),
        # An issue's id (its page links here); the domain says whether there is one, and follows its merges.
        "issue": text_param(request, "issue", MAX_ISSUE_ID),
        "overdue": choice_param(request, "overdue", OVERDUE_CHOICES),
        "sort": choice_param(request, "sort", SORTS, label="Order"),
    }


def read_queue_query(request: QueryParams) -> tuple[dict[str, str | None], int]:
    """The queue's filters and page start as the URL gives them (400 for a value the queue does not know)."""
    return queue_filters(request), offset_param(request)


# The queue's way back from a task (admin_ui.list_back): its filters and the page it was on, read as the queue reads them.
QUEUE_LIST = ListBack(QUEUE_PATH, (*FILTER_NAMES, "offset"), read_queue_query)


def listed_status(chosen: str | None) -> str | None:
    """The listing's status filter for the queue's choice: unfinished tasks when none is chosen, all for "any"."""
    if chosen is None:
        return UNFINISHED
    return None if chosen == ANY_STATUS else chosen


class ReviewQueueController(Controller):
    """GET /admin/reviews: every signed-in user reads the queue; acting on a task needs the reviewer role."""

    path = "/reviews"
    guards = [signed_in]

    @get("/")
    async def queue(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Tasks matching the URL's filters, in queue order (priority, then deadline) or newest first, 50 a page.

        A filter the queue cannot use is the queue page again (400): the form holds the filters as
        typed and the message says which one to fix, with no tasks under it.
        """
        try:
            filters, offset = read_queue_query(request)
            overdue = filters["overdue"]
            asked = filters["issue"]
            # The domain's rule (gateway.domain.issue_scope), as /api/reviews?issue= follows it.
            scope = await services.issue_service.scope(asked) if asked is not None else None
            where = ReviewFilter(
                app=filters["app"],
                status=listed_status(filters["status"]),
                priority=filters["priority"],
                source=filters["source"],
                assignee=filters["assignee"],
                tag=filters["tag"],
                issue_ids=scope.issue_ids if scope is not None else None,
                overdue=None if overdue is None else overdue == "true",
            )
            sort: ReviewSort = "newest" if filters["sort"] == "newest" else "queue"
            # The count GET /api/reviews says as `total`, by the same function, so the two never disagree.
            page, total = await asyncio.gather(
                services.reviews.list(where, sort, PAGE_SIZE, offset), services.reviews.count(where)
            )
        except HTTPException as exc:  # query_params' bad_filter: a 400 naming the filter
            if exc.status_code != 400:
                raise
            return _queue_page(request, user, _typed(request), tasks=[], status_code=400, error=str(exc.detail))
        except InvalidQuery as exc:
            return _queue_page(request, user, _typed(request), tasks=[], status_code=400, error=exc.message)
        return _queue_page(
            request,
            user,
            filters,
            tasks=page.data,
            total_text=_total_text(filters, total),
            issue=await issue_shown(services, scope),
            offset=offset,
            next_url=url_with(QUEUE_PATH, filters, offset=page.next_offset) if page.next_offset is not None else None,
            previous_url=url_with(QUEUE_PATH, filters, offset=max(offset - PAGE_SIZE, 0) or None) if offset else None,
        )


def _total_text(filters: dict[str, str | None], total: int) -> str | None:
    """What the queue says of its length: its unfinished tasks (the default), every task ("any"), or how many tasks
    the filters match."""
    status = filters["status"]
    narrowed = status not in (None, UNFINISHED, ANY_STATUS)
    filtered = narrowed or any(filters[name] for name in FILTER_NAMES if name not in ("status", "sort"))
    noun = "unfinished task" if status in (None, UNFINISHED) and not filtered else "task"
    return matched_text(total, noun, filtered=filtered)


def _typed(request: Request[Any, Any, Any]) -> dict[str, str | None]:
    """The queue's filters exactly as the URL has them, to show in the form again."""
    return {name: request.query_params.get(name) or None for name in FILTER_NAMES}


def _queue_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    filters: dict[str, str | None],
    *,
    tasks: Sequence[ReviewTask],
    issue: IssueShown | None = None,
    total_text: str | None = None,
    offset: int = 0,
    next_url: str | None = None,
    previous_url: str | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response[Any]:
    now = datetime.now(UTC)
    here = url_with(QUEUE_PATH, filters, offset=offset or None)
    return render(
        request,
        "review_queue.html",
        status_code=status_code,
        tasks=tasks,
        total_text=total_text,
        issue=issue,
        # `r` asks before refusing an app that waits on a held answer (the listing has no events: it may ask too often).
        waiting={task.id for task in tasks if task.active and app_waits(task.evidence, (), now)},
        filters=filters,
        status_choices=STATUS_CHOICES,
        unfinished=UNFINISHED,
        priorities=[priority.value for priority in PRIORITY_ORDER],
        source_choices=SOURCE_CHOICES,
        overdue_choices=OVERDUE_CHOICES,
        sorts=SORTS,
        keys=QUEUE_KEYS,
        can_act=user.allows(Role.REVIEWER),
        here=here,
        # Each task's link carries the queue's query, for its page's way back (admin_ui.list_back).
        back_query=QUEUE_LIST.item_query(here),
        next_url=next_url,
        previous_url=previous_url,
        first_row=offset + 1,
        error=error,
    )


@get("/review/{task_id:str}", guards=[signed_in])
async def singular_review_path(request: Request[Any, Any, Any], task_id: FromPath[str]) -> Redirect:
    """/admin/review/{id} (the path the first navigation used) leads to the task's page."""
    return redirect(request, f"{QUEUE_PATH}/{task_id}", status_code=301)
