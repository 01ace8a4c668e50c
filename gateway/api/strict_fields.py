"""Body fields the admin API takes as JSON numbers only, where the framework's lax decoding would take a string.

Litestar converts every handler argument with msgspec's lax mode (`convert(..., strict=False)` in its
signature model: the mode that makes the integer 50 of a query string's "50"), and the JSON body's
struct is one of those arguments, so `"choice": "1"` became the index 1 where `/v1/feedback`, which
reads its body itself, refuses it. The framework decodes the request's JSON once and keeps it, so
reading it again here parses nothing.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from gateway.domain.answer_choices import not_a_choice_index
from gateway.domain.errors import InvalidQuery


async def refuse_choice_as_text(request: Request[Any, Any, Any]) -> None:
    """InvalidQuery (400 naming `choice`) when the body's `choice` was sent as a string, as /v1/feedback refuses it."""
    body = await request.json()
    sent = body.get("choice") if isinstance(body, dict) else None
    if isinstance(sent, str):
        raise InvalidQuery("choice", not_a_choice_index(sent))
