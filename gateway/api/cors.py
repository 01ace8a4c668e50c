"""CORS for the one endpoint browsers call cross-origin: `/v1/feedback`."""

from __future__ import annotations

from collections.abc import Sequence

ALLOWED_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = "content-type, x-feedgate-feedback-token, authorization"
PREFLIGHT_MAX_AGE = "600"


def cors_headers(origin: str | None, allowed_origins: Sequence[str]) -> dict[str, str]:
    """Headers letting `origin` read the answer, if it is configured ("*" allows any origin)."""
    headers = {"vary": "Origin"}
    if origin is not None and (origin in allowed_origins or "*" in allowed_origins):
        headers["access-control-allow-origin"] = origin
    return headers


def preflight_headers(origin: str | None, allowed_origins: Sequence[str]) -> dict[str, str]:
    """The answer to a browser's preflight: which methods and headers the origin may use."""
    headers = cors_headers(origin, allowed_origins)
    if "access-control-allow-origin" in headers:
        headers["access-control-allow-methods"] = ALLOWED_METHODS
        headers["access-control-allow-headers"] = ALLOWED_HEADERS
        headers["access-control-max-age"] = PREFLIGHT_MAX_AGE
    return headers
