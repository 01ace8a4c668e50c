"""The admin API's request bodies are JSON: one sent as a form or as plain text is a 415 saying so.

The framework parses a handler's body as JSON whatever its Content-Type, so `curl -d 'app=bank'`
(a form) got a 400 about malformed JSON, and JSON sent as text/plain was read as if it were JSON.
The fix in both cases is the header, so that is what the answer names. A body sent with no
Content-Type at all is still read as JSON (as scripts using plain HTTP clients send it).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler

from gateway.json_media_type import JSON, is_json, json_please


class UnsupportedMediaType(ClientException):
    """A 415: the body is not sent as JSON (its Content-Type header is named in `extra`)."""

    status_code = 415
    detail = f"the request body must be JSON: send it with 'Content-Type: {JSON}'"


def takes_json_body(handler: BaseRouteHandler) -> bool:
    """Whether `handler` reads a JSON body (the framework's `data` argument)."""
    return "data" in handler.parsed_fn_signature.parameters


def refuse_bodies_not_sent_as_json(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: UnsupportedMediaType for a handler's JSON body sent with another Content-Type."""
    content_type = connection.headers.get("content-type")
    if content_type is None or is_json(content_type) or not takes_json_body(handler):
        return
    said = json_please(content_type)
    raise UnsupportedMediaType(detail=said, extra=[{"key": "content-type", "message": said, "source": "header"}])
