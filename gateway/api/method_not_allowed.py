"""A method a route does not take: under /v1/ (feedback, held answers), answered in OpenAI's error shape.

Apps and the SDKs read `error.message` from every /v1/ answer; the framework's own 405 body
(`{"status_code": 405, "detail": "Method Not Allowed"}`) said neither which methods the path takes
nor where. The admin API keeps the framework's shape; the admin pages answer a page of their own (a form's
address opened in the browser), which the app passes in (`with_admin_pages`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import MethodNotAllowedException
from litestar.exceptions.responses import create_exception_response

from gateway.errors import openai_error_body


def method_not_allowed_response(request: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
    """405 naming the methods the path takes (and the Allow header); OpenAI's error shape under /v1/."""
    if not request.url.path.startswith("/v1/"):
        return create_exception_response(request, exc)
    allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow") or ""
    takes = f"; it takes {allowed}" if allowed else ""
    message = f"{request.method} is not a method {request.url.path} takes{takes}"
    headers = {"allow": allowed} if allowed else {}
    return Response(
        openai_error_body(405, message, "method_not_allowed"),
        status_code=405,
        media_type="application/json",
        headers=headers,
    )


def with_admin_pages(
    admin_page: Callable[[Request[Any, Any, Any], MethodNotAllowedException], Response[Any]],
) -> Callable[[Request[Any, Any, Any], MethodNotAllowedException], Response[Any]]:
    """The 405 handler: `admin_page` under /admin (the framework answers before the admin router's handlers could)."""

    def handler(request: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
        path = request.url.path
        if path == "/admin" or path.startswith("/admin/"):
            return admin_page(request, exc)
        return method_not_allowed_response(request, exc)

    return handler
