"""Reading a proxied call's request body whole, within the size limit, noticing a client that leaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ClientLeft(Exception):
    """The client disconnected before its request body was complete."""


async def read_body(receive: Callable[..., Any], content_length: bytes | None, limit: int) -> bytes | None:
    """The whole request body, or None when it exceeds the size limit; raises ClientLeft if the client goes."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        return None
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientLeft
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    size = len(body)
    while message.get("more_body"):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientLeft
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    return b"".join(parts)
