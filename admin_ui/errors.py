"""Refusals as pages: sign in first (401), not allowed (403), and other HTTP errors, in the site's layout.

A form refused because its session ended keeps what the person wrote (`admin_ui/unsent_forms.py`):
signed out, in the sign-in page (401); signed in again meanwhile, in the form again (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    InternalServerException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.exceptions.responses import create_exception_response

from admin_ui.csrf import FormRefused, SessionEnded
from admin_ui.public_urls import redirect
from admin_ui.rendering import render
from admin_ui.session import SIGN_IN_PATH, current_user, safe_next
from admin_ui.sign_in import sign_in_page, unsent_page
from gateway.api.database_outage import OUTAGE_TYPES, outage_message, retry_headers
from gateway.api.method_not_allowed import allowed_methods
from gateway.store.availability import database_unavailable

SERVER_ERROR = (
    "This page could not be shown because of an error on the server (500); the server's log has the details. "
    "If you sent a form, open its page again to check whether it was saved before sending it again."
)
EARLIER_SESSION = (
    "This form was opened in an earlier session, so it was not saved. What you wrote is below: "
    "check it and send it again."
)


def not_signed_in(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """A page read while signed out leads to the sign-in page and back; a form post answers the sign-in page.

    That page goes back to the form's page, and holds what the form said when it may be kept.
    """
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"{SIGN_IN_PATH}?next={quote(safe_next(here))}")
    unsent = exc.unsent if isinstance(exc, SessionEnded) else None
    next_page = unsent.page if unsent is not None else "/admin"
    return sign_in_page(request, status_code=401, next_page=next_page, error=exc.detail, unsent=unsent)


def forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    """A 403 page saying what was refused; a form of an earlier session comes back filled in, to send again."""
    if isinstance(exc, FormRefused) and exc.unsent is not None and exc.unsent.has_text and current_user(request):
        return unsent_page(request, exc.unsent, exc.task, status_code=403, error=EARLIER_SESSION)
    return render(request, "error.html", status_code=403, title="Not allowed", message=exc.detail)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Any other HTTP error (404, 400…) in the admin layout."""
    title = "Not found" if exc.status_code == 404 else "Something is wrong"
    return render(request, "error.html", status_code=exc.status_code, title=title, message=exc.detail)


def no_page_here(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """An address the framework found no route for while routing (/admin/review beside /admin/review/{id}): a 404 page.

    Answered before the admin router, as the 405 is, so it links to the overview (which signs a signed-out browser
    in first); other addresses under /admin reach the router's catch-all (admin_ui.unknown_pages).
    """
    message = f"There is no admin page at {request.url.path}."
    return render(request, "error.html", status_code=404, title="Not found", message=message, overview_link=True)


def method_not_allowed_page(request: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
    """A form's address opened as a page (Enter in the address bar after a refused form): a 405 in the admin layout.

    The framework answers it before the admin router, so the session is not read here: the page links to the
    overview, which signs a signed-out browser in first.
    """
    message = (
        f"{request.url.path} receives forms sent from the admin pages: there is no page to open at this "
        "address, and nothing was sent. Go back to the page the form is on."
    )
    response = render(
        request, "error.html", status_code=405, title="No page at this address", message=message, overview_link=True
    )
    allowed = allowed_methods(exc)
    if allowed:
        response.headers["allow"] = allowed
    return response


def database_away(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page the database could not serve because it is away: 503 in the admin layout, with Retry-After."""
    if not database_unavailable(exc):
        return server_error(request, exc)  # any other database error: a 500, as any failure
    message = outage_message(request, exc)
    response = render(request, "error.html", status_code=503, title="Database unreachable", message=message)
    response.headers.update(retry_headers())
    return response


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page the server failed on: a 500 in the admin layout (the browser showed the API's JSON); the failure and
    its traceback are logged as before (gateway.api.unhandled)."""
    try:
        return render(request, "error.html", status_code=500, title="Something went wrong", message=SERVER_ERROR)
    except Exception:  # noqa: BLE001 - a failure in the layout itself: the framework's plain 500 still answers
        return create_exception_response(request, InternalServerException())


EXCEPTION_HANDLERS: dict[type[Exception], Callable[..., Response[Any]]] = {
    NotAuthorizedException: not_signed_in,
    PermissionDeniedException: forbidden,
    # Named too, so the app's handler for it (a JSON body that is not JSON, gateway.api.admin) is not
    # the nearer match for a 404 or 400 here.
    ClientException: http_error,
    # And the app's 404 handler (no_page_here, for what routing refuses) would be nearer for a 404 raised here.
    NotFoundException: http_error,
    HTTPException: http_error,
    **dict.fromkeys(OUTAGE_TYPES, database_away),
    # Anything else a page fails on (a bug): the nearest handler for it, after all those above.
    Exception: server_error,
}
