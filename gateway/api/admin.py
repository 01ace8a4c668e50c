"""What every `/api/` controller shares: the admin token guard, no unread query parameters, domain errors as HTTP answers."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, Response
from litestar.exceptions import ClientException, HTTPException, SerializationException, ValidationException
from litestar.exceptions.responses import create_exception_response
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.params import HeaderParameter

from gateway.api.admin_operation import AdminOperation
from gateway.api.auth import require_admin
from gateway.api.documented_errors import document_errors
from gateway.api.media_types import refuse_bodies_not_sent_as_json
from gateway.api.number_parameters import refuse_whole_numbers_not_in_digits
from gateway.api.query_parameters import (
    refuse_blank_filters,
    refuse_numbers_for_times,
    refuse_old_and_new_names_together,
    refuse_repeated_query_parameters,
    refuse_unknown_query_parameters,
)
from gateway.api.strict_fields import refuse_lax_json_types
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import HEADER, KeyReused


def key_reused_response(request: Request[Any, Any, Any], exc: KeyReused) -> Response[Any]:
    """An Idempotency-Key used before for a different request: 422 naming what differs (nothing was created)."""
    return create_exception_response(request, HTTPException(status_code=422, detail=exc.message))


# What a create endpoint answers with (a TypedDict of gateway.api's serializers).
Body = TypeVar("Body")

# How the create endpoints read an Idempotency-Key (gateway.domain.idempotency): optional, the header's own name.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=HEADER,
        required=False,
        description="optional: a retry with the same key and body creates nothing more and answers 200 with what "
        "the first made; the key with another body is a 422",
    ),
]


def created_or_repeated(content: Body, repeated: bool) -> Response[Body]:
    """201 for what was just created, 200 for what an earlier request under the same key made."""
    return Response(content, status_code=200 if repeated else 201)


def invalid_query_response(request: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Any]:
    """A query the domain refused: a 400 shaped like the framework's own validation errors, each field named in `extra`."""
    entries = [
        {"key": refused.field, "message": refused.message, "source": _source(request, refused.field)}
        for refused in exc.refusals
    ]
    return create_exception_response(request, ValidationException(exc.message, extra=entries))


def _source(request: Request[Any, Any, Any], name: str) -> str:
    """Where the request gave (or should have given) `name`: its query, or its body."""
    if name in request.query_params or request.method in ("GET", "HEAD", "DELETE"):
        return "query"
    return "body"


# msgspec's words for a body that ends early; it gives them for a lone surrogate escape too.
_TRUNCATED = "Input data was truncated"


def undecodable_body_response(request: Request[Any, Any, Any], exc: ClientException) -> Response[Any]:
    """The framework's 400 for a body that is not JSON, saying so (msgspec's own words alone: "Input data was truncated").

    Every other client error is answered as the framework would.
    """
    if isinstance(exc.__cause__, SerializationException):
        reason = exc.detail
        if reason == _TRUNCATED:
            # msgspec says this of a lone UTF-16 surrogate ("\ud800", which no text can hold) as well.
            reason += ", or it holds a lone UTF-16 surrogate such as \\ud800"
        said = f"the request body is not valid JSON ({reason}): send a JSON object (Content-Type: application/json)"
        exc = ClientException(detail=said)
    return create_exception_response(request, exc)


class AdminController(Controller):
    """A controller for admins: needs the admin token; a refused query, a query parameter it does not read or one
    given twice, a blank filter naming an app, an id or a name, or a bare number for a time, is a 400; a body
    sent as anything but JSON is a 415; a number or boolean of the body sent as a string (or a boolean as a number,
    a number as a boolean) is a 400."""

    # The token first: who may not ask learns nothing of what an endpoint reads.
    guards = [
        require_admin,
        refuse_unknown_query_parameters,
        refuse_repeated_query_parameters,
        refuse_old_and_new_names_together,
        refuse_blank_filters,
        refuse_numbers_for_times,
        refuse_whole_numbers_not_in_digits,
        refuse_bodies_not_sent_as_json,
        refuse_lax_json_types,
    ]
    exception_handlers = {InvalidQuery: invalid_query_response}

    def get_route_handlers(self) -> list[BaseRouteHandler]:
        """The controller's handlers, each documenting the errors it can give (gateway.api.documented_errors) and
        its deprecated query parameters (gateway.api.admin_operation)."""
        handlers = super().get_route_handlers()
        for handler in handlers:
            if isinstance(handler, HTTPRouteHandler):
                document_errors(handler)
                handler.operation_class = AdminOperation
        return handlers
