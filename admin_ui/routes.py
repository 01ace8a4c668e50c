"""The admin pages as one Litestar Router under /admin, its static files, and `/` leading there.

To add a page: write a Controller in its own module (guards=[signed_in | reviewer_or_admin |
admin_only]), render with `admin_ui.rendering.render`, and list it in ADMIN_PAGES below. Every URL it
hands the browser goes through admin_ui.public_urls: `{{ url('/admin/...') }}` in its template,
`redirect(request, '/admin/...')` in its handler (under FEEDGATE_ROOT_PATH they carry the prefix).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get
from litestar.di import Provide
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from admin_ui.csrf import csrf_protected
from admin_ui.errors import EXCEPTION_HANDLERS
from admin_ui.export import ExportPageController
from admin_ui.fix_preview_page import PreviewPageController
from admin_ui.fix_previews import FixPreviewsController
from admin_ui.interactions import InteractionsController
from admin_ui.issue_actions import IssueActionsController
from admin_ui.issue_list import IssueListController
from admin_ui.issue_page import IssuePageController
from admin_ui.knowledge import KnowledgeController
from admin_ui.overview import OverviewController
from admin_ui.placeholders import PLACEHOLDER_PAGES
from admin_ui.prompts import PromptsController
from admin_ui.public_urls import redirect
from admin_ui.rendering import STATIC
from admin_ui.review_actions import ReviewActionsController
from admin_ui.review_queue import ReviewQueueController, singular_review_path
from admin_ui.review_task import ReviewTaskController
from admin_ui.session import load_session, provide_user
from admin_ui.sign_in import SignInController
from admin_ui.unknown_pages import unknown_admin_page
from admin_ui.users import UsersController
from gateway.static_files import static_files

ADMIN_PAGES: list[ControllerRouterHandler] = [
    SignInController,
    OverviewController,
    UsersController,
    IssueListController,
    IssuePageController,
    IssueActionsController,
    FixPreviewsController,
    PreviewPageController,
    ReviewQueueController,
    ReviewTaskController,
    ReviewActionsController,
    singular_review_path,
    InteractionsController,
    PromptsController,
    KnowledgeController,
    ExportPageController,
    *PLACEHOLDER_PAGES,
    unknown_admin_page,  # last: only what no page above claims
]

admin_router = Router(
    path="/admin",
    route_handlers=ADMIN_PAGES,
    # Every POST, PUT, PATCH and DELETE under /admin needs the CSRF token; reads are let through.
    # load_session first: the CSRF check, role guards and templates read the user it found.
    guards=[load_session, csrf_protected],
    # `user: SignedInUser` in a handler: the signed-in user (the handler's guard checks the role).
    dependencies={"user": Provide(provide_user, sync_to_thread=False)},
    exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]  # Litestar types each handler for any Exception
    include_in_schema=False,
)


@get("/", include_in_schema=False)
async def root_to_admin(request: Request[Any, Any, Any]) -> Redirect:
    """A person opening the gateway in a browser lands on the admin pages."""
    return redirect(request, "/admin", status_code=302)


ADMIN_ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    admin_router,
    root_to_admin,
    static_files("/admin/static", STATIC),
]
