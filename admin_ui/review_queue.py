"""The review queue page: ReviewService's listing (as /api/reviews has it), filtered from the URL, keyboard-driven."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.query_params import choice_param, offset_param, text_param, url_with
from admin_ui.rendering import render
from admin_ui.session import signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.review.records import PRIORITY_ORDER, Source, Status
from gateway.services import Services
from gateway.store.reviews import ReviewFilter, ReviewSort

QUEUE_PATH = "/admin/reviews"
PAGE_SIZE = 50
SORTS = ("queue", "newest")
# The keys the queue and task pages answer to (admin_ui/static/review_keys.js), as the page lists them.
QUEUE_KEYS = (
    ("j / k", "next / previous task"),
    ("Enter", "open the task"),
    ("c", "claim"),
    ("a", "approve"),
    ("r", "reject"),
    ("e", "correct (opens the correction box)"),
)


def queue_filters(request: Request[Any, Any, Any]) -> dict[str, str | None]:
    """The queue's filters as the URL gives them (400 for a value the listing does not know)."""
    return {
        "app": text_param(request, "app"),
        "status": choice_param(request, "status", [status.value for status in Status]),
        "priority": choice_param(request, "priority", [priority.value for priority in PRIORITY_ORDER]),
        "source": choice_param(request, "source", [source.value for source in Source]),
        "assignee": text_param(request, "assignee"),
        "tag": text_param(request, "tag"),
        "overdue": choice_param(request, "overdue", ["true", "false"]),
        "sort": choice_param(request, "sort", SORTS),
    }


class ReviewQueueController(Controller):
    """GET /admin/reviews: every signed-in user reads the queue; acting on a task needs the reviewer role."""

    path = "/reviews"
    guards = [signed_in]

    @get("/")
    async def queue(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Tasks matching the URL's filters, in queue order (priority, then deadline) or newest first, 50 a page."""
        filters = queue_filters(request)
        offset = offset_param(request)
        overdue = filters["overdue"]
        where = ReviewFilter(
            app=filters["app"],
            status=filters["status"],
            priority=filters["priority"],
            source=filters["source"],
            assignee=filters["assignee"],
            tag=filters["tag"],
            overdue=None if overdue is None else overdue == "true",
        )
        sort: ReviewSort = "newest" if filters["sort"] == "newest" else "queue"
        page = await services.reviews.list(where, sort, PAGE_SIZE, offset)
        here = url_with(QUEUE_PATH, filters, offset=offset or None)
        return render(
            request,
            "review_queue.html",
            tasks=page.data,
            filters=filters,
            statuses=[status.value for status in Status],
            priorities=[priority.value for priority in PRIORITY_ORDER],
            sources=[source.value for source in Source],
            sorts=SORTS,
            keys=QUEUE_KEYS,
            can_act=user.allows(Role.REVIEWER),
            here=here,
            next_url=url_with(QUEUE_PATH, filters, offset=page.next_offset) if page.next_offset is not None else None,
            previous_url=url_with(QUEUE_PATH, filters, offset=max(offset - PAGE_SIZE, 0) or None) if offset else None,
            first_row=offset + 1,
        )


@get("/review/{task_id:str}", guards=[signed_in])
async def singular_review_path(task_id: FromPath[str]) -> Redirect:
    """/admin/review/{id} (the path the first navigation used) leads to the task's page."""
    return Redirect(f"{QUEUE_PATH}/{task_id}", status_code=301)
