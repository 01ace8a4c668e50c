"""What every `/api/` controller shares: the admin token guard, and domain errors as HTTP answers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.exceptions import ValidationException
from litestar.exceptions.responses import create_exception_response

from gateway.api.auth import require_admin
from gateway.domain.errors import InvalidQuery


def invalid_query_response(request: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Any]:
    """A query the domain refused: a 400 shaped like the framework's own validation errors."""
    return create_exception_response(request, ValidationException(exc.message))


class AdminController(Controller):
    """A controller for admins: needs the admin token; a refused query is a 400."""

    guards = [require_admin]
    exception_handlers = {InvalidQuery: invalid_query_response}
