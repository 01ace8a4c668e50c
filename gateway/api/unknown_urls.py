"""An address no route has, outside the gateway's own (`/foo`, `/openai`): a 404 in OpenAI's error shape.

Who calls such an address is most likely an OpenAI client with a wrong base URL, and the SDKs show
`error.message`: the framework's `{"status_code": 404, "detail": "Not Found"}` left them nothing to
show. The answer names /v1, which the base URL must end in (gateway.api.missing_v1 answers the
mistakes it can name more exactly before routing). Under the first segment of any route (`/admin`,
`/api`, `/static`, `/schema`, `/v1`…) the 404 stays the one that part of the gateway documents.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import NotFoundException

from gateway.api.admin import undecodable_body_response
from gateway.api.missing_v1 import BASE_URL
from gateway.api.request_services import services_of
from gateway.errors import openai_error_body
from gateway.public_prefix import public_path


def not_found_response(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """404: the framework's under the gateway's own addresses; OpenAI's error shape, naming /v1, anywhere else."""
    path = request.url.path
    if _first_segment(path) in _route_first_segments(request.app):
        return undecodable_body_response(request, exc)
    root_path: str = services_of(request).settings.root_path
    message = (
        f"Invalid URL ({request.method} {public_path(root_path, path)}): Feedgate serves the OpenAI API under /v1, "
        f"such as /v1/chat/completions. Set your client's base URL to {BASE_URL}"
    )
    return Response(openai_error_body(404, message, "unknown_url"), status_code=404, media_type="application/json")


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") else ""


def _route_first_segments(app: Litestar) -> frozenset[str]:
    """The first path segment of every route ("" for the root's): the addresses the gateway answers itself."""
    # Read on a 404 only, and the routes are fixed once the app is built: kept on the app's state.
    segments: frozenset[str] | None = app.state.get("route_first_segments")
    if segments is None:
        segments = frozenset(_first_segment(route.path) for route in app.routes)
        app.state["route_first_segments"] = segments
    return segments
