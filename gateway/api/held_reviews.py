"""`GET /v1/reviews/{task_id}`: an app reads the answer the confidence gate held for it (app credential)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath

from gateway.api.cors import POLL_METHODS, poll_preflight_headers
from gateway.api.head_requests import was_head
from gateway.api.held_answer_schema import RESPONSES
from gateway.services import Services

# Served by the API, not the proxy: gateway.app routes every path under this prefix here.
HELD_REVIEWS_PREFIX = "/v1/reviews/"


@get(
    HELD_REVIEWS_PREFIX + "{task_id:str}",
    summary=(
        "A held answer (app credential): 202 pending, 200 the approved or corrected chat completion, "
        "422 when rejected or refused after the hold's deadline, 410 when an answer already served "
        "was redacted since"
    ),
    tags=["reviews"],
    responses=RESPONSES,
)
async def poll_held_answer(
    request: Request[Any, Any, Any], services: NamedDependency[Services], task_id: FromPath[str]
) -> Response[bytes]:
    """The held answer as its review stands (see gateway.review.held_poll)."""
    # A HEAD gets the status and headers alone: it does not collect the answer.
    collected = not was_head(request.scope)
    answer = await services.held_answers.poll(task_id, request.headers.get("authorization"), collected=collected)
    return Response(answer.body, status_code=answer.status, media_type="application/json", headers=answer.headers)


@route(HELD_REVIEWS_PREFIX + "{task_id:str}", http_method=[HttpMethod.OPTIONS], include_in_schema=False)
async def held_answer_preflight(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The methods a poll may use, and a browser's CORS preflight for it: answered without a key, as a browser sends none."""
    requested = request.headers.get("access-control-request-headers")
    headers = {"allow": POLL_METHODS, **poll_preflight_headers(request.headers.get("origin"), requested)}
    return Response(b"", status_code=204, headers=headers)
