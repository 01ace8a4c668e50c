"""Serving the gateway's own static files (the admin pages' scripts and styles)."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router


def static_files(path: str, directory: Path) -> Router:
    """The files of `directory` under `path` (left out of the API schema); nosniff comes with every answer
    (gateway.api.security_headers)."""
    return create_static_files_router(path=path, directories=[directory])
