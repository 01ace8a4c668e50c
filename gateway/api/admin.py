"""What every `/api/` controller shares: the admin token guard, no unread query parameters, domain errors as HTTP answers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import ValidationException
from litestar.exceptions.responses import create_exception_response

from gateway.api.auth import require_admin
from gateway.api.query_parameters import refuse_unknown_query_parameters
from gateway.domain.errors import InvalidQuery


def invalid_query_response(request: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Any]:
    """A query the domain refused: a 400 shaped like the framework's own validation errors."""
    return create_exception_response(request, ValidationException(exc.message))


# Litestar reports a body that is not there as the missing key of its handler's argument: "'data'".
_MISSING_BODY = "'data'"
MISSING_BODY_MESSAGE = "send a JSON object as the request body (Content-Type: application/json); none came"


def validation_response(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """The framework's 400 for a body it could not take, saying so when there was no body at all (the app's handler)."""
    if isinstance(exc.extra, list) and any(_is_missing_body(entry) for entry in exc.extra):
        extra = [
            {**entry, "message": MISSING_BODY_MESSAGE} if _is_missing_body(entry) else entry for entry in exc.extra
        ]
        exc = ValidationException(detail=exc.detail, extra=extra)
    return create_exception_response(request, exc)


def _is_missing_body(entry: object) -> bool:
    return isinstance(entry, dict) and entry.get("key") == "data" and entry.get("message") == _MISSING_BODY


class AdminController(Controller):
    """A controller for admins: needs the admin token; a refused query, or a query parameter it does not read, is a 400."""

    # The token first: who may not ask learns nothing of what an endpoint reads.
    guards = [require_admin, refuse_unknown_query_parameters]
    exception_handlers = {InvalidQuery: invalid_query_response}
