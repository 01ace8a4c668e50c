"""The error answers the OpenAPI schema documents for admin API operations: those they give.

The framework documents a 400 alone; every admin operation may also answer 401 (no admin token,
or a wrong one), 429 (too many wrong ones from the address) and 503 (the database away), one on a
record by id 404, one taking a JSON body 415 (sent as another media type), and one taking an
Idempotency-Key 200 (a repeat) and 422 (the key reused with another body). A handler that may answer 409 says so itself (`raises=[Conflict]`).
These classes are for the schema: the answers themselves come from the handlers and guards.

Each error status is one component of the schema's `responses` (SHARED_ERRORS, named after its class), an
ErrorJSON saying when it comes; every operation's answer of that status refers to it
(gateway.api.admin_operation), where each had carried its own inline copy.

The 400 is documented as an answer of its own (ErrorJSON), not as a raised class: Litestar adds
its own ValidationException to every operation with parameters, and two classes of one status
become a `oneOf` of two identical schemas, which no answer can fit (exactly one must match).
"""

from __future__ import annotations

from typing import Any, TypedDict

from litestar import Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ServiceUnavailableException,
    TooManyRequestsException,
)
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.params import HeaderParameter

from gateway.api.media_types import UnsupportedMediaType, takes_json_body
from gateway.domain.idempotency import HEADER


class _ErrorHead(TypedDict):
    status_code: int
    detail: str


# `extra` is a key of its own class: with postponed annotations, NotRequired[...] would not be seen as such.
class ErrorJSON(_ErrorHead, total=False):
    """An error answer: its status, what went wrong and, for a refused field, `extra` naming each (key, message,
    source)."""

    extra: list[Any] | dict[str, Any] | None


BAD_REQUEST = ResponseSpec(
    ErrorJSON,
    description="a parameter or body field the operation cannot take: `extra` names each, and says what to send",
    generate_examples=False,
)


class NoAdminToken(NotAuthorizedException):
    """For the schema: a 401."""

    detail = "no admin token, or a wrong one: send 'Authorization: Bearer <FEEDGATE_ADMIN_TOKEN>'"


class TooManyWrongTokens(TooManyRequestsException):
    """For the schema: a 429."""

    detail = "too many wrong admin tokens from this address: try again after Retry-After seconds"


class DatabaseAway(ServiceUnavailableException):
    """For the schema: a 503."""

    detail = "the database is unreachable or did not answer in time; nothing was changed: retry after Retry-After"


class NoSuchRecord(NotFoundException):
    """For the schema: a 404."""

    detail = "no record with that id"


class Conflict(ClientException):
    """For the schema: a 409 (a handler that may answer one names it in `raises`)."""

    status_code = 409
    detail = "the record's state forbids this change now, or it changed since it was read: nothing was saved"


class KeyReusedWithAnotherBody(ClientException):
    """For the schema: a 422 for an Idempotency-Key used before with another body."""

    status_code = 422
    detail = "the Idempotency-Key was used before with another body (the fields that differ are named): nothing made"


class BadRequest(ClientException):
    """For the schema: the 400 (documented as BAD_REQUEST, not raised: see the module's docstring)."""

    detail = BAD_REQUEST.description


# The error answers every operation refers to, one component each (see the module's docstring).
SHARED_ERRORS: tuple[type[HTTPException], ...] = (
    BadRequest,
    NoAdminToken,
    NoSuchRecord,
    Conflict,
    UnsupportedMediaType,
    KeyReusedWithAnotherBody,
    TooManyWrongTokens,
    DatabaseAway,
)
_SHARED_BY_STATUS = {str(error.status_code): error.__name__ for error in SHARED_ERRORS}
# The answers that say when to try again.
_RETRY_AFTER = {TooManyWrongTokens, DatabaseAway}


def shared_error(status: str) -> Reference | None:
    """The shared component documenting an admin operation's answer of `status` (as "404"), if one does."""
    name = _SHARED_BY_STATUS.get(status)
    return Reference(ref=f"#/components/responses/{name}") if name is not None else None


def shared_error_components() -> dict[str, OpenAPIResponse | Reference]:
    """The schema's `components.responses`: each of SHARED_ERRORS as an ErrorJSON with its status and words."""
    return {error.__name__: _component(error) for error in SHARED_ERRORS}


def _component(error: type[HTTPException]) -> OpenAPIResponse:
    example = {"status_code": error.status_code, "detail": error.detail}
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    if error in _RETRY_AFTER:
        retry_after = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER), description="seconds to wait", required=True
        )
        headers = {"Retry-After": retry_after}
    return OpenAPIResponse(
        description=error.detail,
        headers=headers,
        content={
            "application/json": OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/ErrorJSON"), examples={"example": Example(value=example)}
            )
        },
    )


EVERY_OPERATION: tuple[type[HTTPException], ...] = (NoAdminToken, TooManyWrongTokens, DatabaseAway)


def document_errors(handler: HTTPRouteHandler) -> None:
    """Add to `handler`'s documented answers those it can give whatever its own (see the module's docstring)."""
    raises: list[type[HTTPException]] = [*EVERY_OPERATION]
    if any("{" in path for path in handler.paths):
        raises.append(NoSuchRecord)
    if takes_json_body(handler):
        raises.append(UnsupportedMediaType)
    if _reads_idempotency_key(handler):
        raises.append(KeyReusedWithAnotherBody)
        repeat = ResponseSpec(
            _body_type(handler), description="what the first request under the same Idempotency-Key made (nothing new)"
        )
        handler.responses = {200: repeat, **(handler.responses or {})}
    handler.responses = {400: BAD_REQUEST, **(handler.responses or {})}
    given = list(handler.raises or [])
    # The handler's own first: it may document one of these statuses in its own words.
    statuses = {raised.status_code for raised in given}
    handler.raises = [*given, *(raised for raised in raises if raised.status_code not in statuses)]


def _body_type(handler: HTTPRouteHandler) -> Any:
    """What the handler's answer holds: T of its `Response[T]`, or its return type (the repeat has the same shape)."""
    returned = handler.parsed_fn_signature.return_type
    if returned.is_subclass_of(Response) and returned.inner_types:
        return returned.inner_types[0].annotation
    return returned.annotation


def _reads_idempotency_key(handler: HTTPRouteHandler) -> bool:
    return any(
        isinstance(field.kwarg_definition, HeaderParameter) and field.kwarg_definition.name == HEADER
        for field in handler.parsed_fn_signature.parameters.values()
    )
