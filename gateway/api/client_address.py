"""Whose address a request comes from, for the limits that count by it (feedback posts, admin sign-ins)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection


def client_address(connection: ASGIConnection[Any, Any, Any, Any], header: str | None) -> str | None:
    """The browser's address: the last entry of `header` (set by a trusted proxy), else the socket's peer."""
    if header is not None:
        forwarded = connection.headers.get(header)
        if forwarded:
            return forwarded.rsplit(",", 1)[-1].strip() or None
    return connection.client.host if connection.client is not None else None
