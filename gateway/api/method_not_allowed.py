"""A method a route does not take: a 405 naming the methods the path does take, and the `Allow` header.

Apps and the SDKs read `error.message` from every /v1/ answer (feedback, held answers), so there it
is in OpenAI's error shape; the admin API keeps the framework's shape, `detail` saying the same. The
framework's own body (`{"status_code": 405, "detail": "Method Not Allowed"}`) said neither which
methods the path takes nor where. The path named is the public one (under FEEDGATE_ROOT_PATH). The
admin pages answer a page of their own (a form's address opened in the browser), which the app
passes in (`with_admin_pages`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException
from litestar.exceptions.responses import create_exception_response

from gateway.api.request_services import services_of
from gateway.errors import openai_error_body
from gateway.public_prefix import public_path

Refused = TypeVar("Refused", bound=HTTPException)


def allowed_methods(exc: MethodNotAllowedException) -> str:
    """The methods the refused path takes, for `Allow` and the message: sorted, HEAD beside GET ("" if none named)."""
    given = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow") or ""
    methods = {method.strip() for method in given.split(",") if method.strip()}
    # Every path refused here takes HEAD wherever it takes GET (gateway.api.head_requests), though its route
    # names only GET; the proxy's paths, where the upstream answers HEAD, never reach a 405.
    if "GET" in methods:
        methods.add("HEAD")
    # The framework lists them from a set, in another order in each process: sorted, the answer is one.
    return ", ".join(sorted(methods))


def method_not_allowed_response(request: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
    """405 naming the methods the path takes (and the Allow header); OpenAI's error shape under /v1/."""
    allowed = allowed_methods(exc)
    takes = f"; it takes {allowed}" if allowed else ""
    path = request.url.path
    root_path: str = services_of(request).settings.root_path
    message = f"{request.method} is not a method {public_path(root_path, path)} takes{takes}"
    headers = {"allow": allowed} if allowed else {}
    if not path.startswith("/v1/"):
        return create_exception_response(request, MethodNotAllowedException(detail=message, headers=headers))
    return Response(
        openai_error_body(405, message, "method_not_allowed"),
        status_code=405,
        media_type="application/json",
        headers=headers,
    )


def with_admin_pages(
    admin_page: Callable[[Request[Any, Any, Any], Refused], Response[Any]],
    otherwise: Callable[[Request[Any, Any, Any], Refused], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Refused], Response[Any]]:
    """An app-level error handler: `admin_page` under /admin, `otherwise` elsewhere.

    For what the framework refuses while routing (a 405, a 404 next to a page's path): it answers before the
    admin router's own handlers could.
    """

    def handler(request: Request[Any, Any, Any], exc: Refused) -> Response[Any]:
        path = request.url.path
        if path == "/admin" or path.startswith("/admin/"):
            return admin_page(request, exc)
        return otherwise(request, exc)

    return handler
