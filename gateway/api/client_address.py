"""Whose address a request comes from, for the limits that count by it (feedback posts, admin sign-ins)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection


def client_address(connection: ASGIConnection[Any, Any, Any, Any], header: str | None) -> str | None:
    """The browser's address: the last entry of `header` (set by a trusted proxy), else the socket's peer."""
    if header is not None:
        # Every line of the header, not the first: a proxy such as HAProxy adds a line of its own after
        # any the client sent, and the first line's last entry was the client's choice, so a browser
        # named itself anew on every request and no per-address limit ever counted it.
        lines = connection.headers.getall(header, [])
        if lines and lines[-1]:
            return lines[-1].rsplit(",", 1)[-1].strip() or None
    return connection.client.host if connection.client is not None else None
