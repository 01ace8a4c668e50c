"""OpenAI-style error bodies, so SDKs raise their usual exceptions for gateway errors too."""

from __future__ import annotations

import orjson

_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    500: "server_error",
    502: "upstream_error",
    504: "upstream_timeout",
}


def openai_error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> bytes:
    """The JSON body OpenAI's API sends for an error, as bytes."""
    error = {"message": message, "type": _TYPES.get(status, "api_error"), "param": param, "code": code}
    return orjson.dumps({"error": error})
