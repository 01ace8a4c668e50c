"""`/v1/feedback` (apps and browsers give feedback) and `/api/feedback` (admins read it)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from litestar import Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromQuery, Parameter

from gateway.api.admin import AdminController
from gateway.api.client_address import client_address
from gateway.api.cors import FEEDBACK_PATH, preflight_headers, warn_of_unlisted_origin
from gateway.api.feedback_schema import BODY_DOCUMENTATION, DESCRIPTION, RESPONSES, SECURITY
from gateway.api.paging import Cursor, Limit, Since, StoredAfter, Until
from gateway.api.serialize import FeedbackPage, feedback_json, fields_json, followable_page_json
from gateway.errors import openai_error_body
from gateway.exact_json import dumps_exact
from gateway.feedback.refused import FeedbackRefused
from gateway.proxy.headers import header_text
from gateway.request_coding import UNSUPPORTED_CODING, names_a_coding, uncompressed_please
from gateway.services import Services
from gateway.store.feedback import FeedbackFilter

TOKEN_HEADER = "x-feedgate-feedback-token"

# A feedback body holds a few texts of at most `feedback_max_text_chars` each and small metadata;
# past this it is refused before it is read whole (Litestar's own 10 MB refusal had neither the
# OpenAI error shape nor the CORS headers the widget needs to read it).
MAX_FEEDBACK_BODY_BYTES = 1024 * 1024


@post(
    FEEDBACK_PATH,
    summary="Give feedback on an interaction (app credential or feedback token)",
    description=DESCRIPTION,
    tags=["feedback"],
    request_max_body_size=MAX_FEEDBACK_BODY_BYTES,
    # The schema only: the handler reads and checks the body itself (see gateway.api.feedback_schema).
    dependencies=BODY_DOCUMENTATION,
    responses=RESPONSES,
    security=SECURITY,
)
async def submit_feedback(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[bytes]:
    """201 with the stored event; 200 with the original event when the idempotency key was seen before."""
    # The CORS headers, on this answer and on every error the framework gives for this path (a
    # database outage's 503 among them), are added in one place: gateway.app, with_cors_headers.
    try:
        content_encoding = request.headers.get("content-encoding")
        if content_encoding is not None and names_a_coding(content_encoding.encode("latin-1")):
            # Refused before the body is read: the same rule as a proxied call's (gateway.request_coding).
            message = uncompressed_please(content_encoding.encode("latin-1"), "check and store the feedback")
            raise FeedbackRefused(415, message, UNSUPPORTED_CODING)
        try:
            body = await request.body()
        except RequestEntityTooLarge:
            message = f"feedback bodies are at most {MAX_FEEDBACK_BODY_BYTES} bytes; send shorter texts"
            raise FeedbackRefused(413, message, "request_too_large") from None
        recorded = await services.feedback.record(
            body,
            authorization=request.headers.get("authorization"),
            token=token_given(request),
            content_type=request.headers.get("content-type"),
            client_address=client_address(
                request, services.settings.feedback_client_address_header, services.settings.trusted_proxies
            ),
        )
    except FeedbackRefused as refused:
        headers = {"retry-after": str(refused.retry_after)} if refused.retry_after is not None else {}
        if refused.status == 429 and refused.retry_after is None:
            # Will not refill: the OpenAI SDKs read this header and spare their retries.
            headers["x-should-retry"] = "false"
        body = refusal_body(refused)
        return Response(body, status_code=refused.status, media_type="application/json", headers=headers)
    body = dumps_exact(fields_json(recorded.event))  # metadata may hold an integer beyond 64 bits
    status = 201 if recorded.created else 200
    return Response(body, status_code=status, media_type="application/json")


def token_given(request: Request[Any, Any, Any]) -> str | None:
    """The feedback token header's text, read as UTF-8 when it is that (gateway.proxy.headers.header_text), as sent."""
    # The framework reads every header as Latin-1: a token of zero-width spaces, sent as UTF-8, read as three
    # letters and was refused as a token "not starting with v1.", not as the empty one it is.
    value = request.headers.get(TOKEN_HEADER)
    return None if value is None else header_text(value.encode("latin-1"))


def refusal_body(refused: FeedbackRefused) -> bytes:
    """The OpenAI-style error body of a refusal; a 429 is typed as OpenAI types its own, so SDKs read it alike."""
    if refused.status != 429:
        return openai_error_body(refused.status, refused.message, refused.code, refused.field)
    # OpenAI: "requests" for a rate limit one may retry, "insufficient_quota" for one that will not refill.
    kind = "requests" if refused.retry_after is not None else "insufficient_quota"
    error = {"message": refused.message, "type": kind, "param": refused.field, "code": refused.code}
    return orjson.dumps({"error": error})


@route(FEEDBACK_PATH, http_method=[HttpMethod.OPTIONS], include_in_schema=False)
async def feedback_preflight(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[bytes]:
    """The CORS preflight for browsers posting feedback from a configured origin."""
    origin = request.headers.get("origin")
    warn_of_unlisted_origin(origin, services.settings.cors_origins, services.warned_origins)
    requested = request.headers.get("access-control-request-headers")
    headers = preflight_headers(origin, services.settings.cors_origins, requested)
    return Response(b"", status_code=204, headers=headers)


class FeedbackController(AdminController):
    """Read access to feedback events, for admins."""

    path = "/api/feedback"
    tags = ["feedback"]

    @get("/", summary="List feedback events, newest first")
    async def list_feedback(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        interaction_id: FromQuery[str | None] = None,
        negative: Annotated[bool | None, Parameter(description="only negative (true) or non-negative (false)")] = None,
        has_correction: FromQuery[bool | None] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        stored_after: StoredAfter = None,
    ) -> FeedbackPage:
        where = FeedbackFilter(
            app=app,
            interaction_id=interaction_id,
            negative=negative,
            has_correction=has_correction,
            since=since,
            until=until,
        )
        if stored_after is not None:
            return followable_page_json(
                await services.feedback.follow(where, limit, stored_after, cursor), feedback_json
            )
        return followable_page_json(await services.feedback.list(where, limit, cursor), feedback_json)
