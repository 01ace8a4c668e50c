"""Refusals as pages: sign in first (401), not allowed (403), and other HTTP errors, in the site's layout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect

from admin_ui.rendering import render
from gateway.api.database_outage import MESSAGE, OUTAGE_TYPES, outage_response, retry_headers
from gateway.store.availability import database_unavailable

SIGN_IN_PATH = "/admin/sign-in"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: an admin page on this site, never another site."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


def not_signed_in(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """A page read while signed out leads to the sign-in page and back; a form post says to sign in again."""
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"{SIGN_IN_PATH}?next={quote(safe_next(here))}", status_code=303)
    return render(request, "error.html", status_code=401, title="Signed out", message=exc.detail)


def forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    """A 403 page saying what was refused."""
    return render(request, "error.html", status_code=403, title="Not allowed", message=exc.detail)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Any other HTTP error (404, 400…) in the admin layout."""
    title = "Not found" if exc.status_code == 404 else "Something is wrong"
    return render(request, "error.html", status_code=exc.status_code, title=title, message=exc.detail)


def database_away(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page the database could not serve because it is away: 503 in the admin layout, with Retry-After."""
    if not database_unavailable(exc):
        return outage_response(request, exc)  # any other database error: the usual 500
    response = render(request, "error.html", status_code=503, title="Database unreachable", message=MESSAGE)
    response.headers.update(retry_headers())
    return response


EXCEPTION_HANDLERS: dict[type[Exception], Callable[..., Response[Any]]] = {
    NotAuthorizedException: not_signed_in,
    PermissionDeniedException: forbidden,
    HTTPException: http_error,
    **dict.fromkeys(OUTAGE_TYPES, database_away),
}
