"""Whether a Content-Type header names JSON: the one rule for the admin API's bodies and feedback posts."""

from __future__ import annotations

from gateway.domain.quoting import quoted

JSON = "application/json"


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON: application/json or a `+json` type, any parameters aside."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == JSON or (media_type.startswith("application/") and media_type.endswith("+json"))


def json_please(content_type: str) -> str:
    """What a body sent with a Content-Type other than JSON is told: to send JSON, with its header."""
    return f"the request body must be JSON: send it with 'Content-Type: {JSON}', not {quoted(content_type)}"
