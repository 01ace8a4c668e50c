"""Serving the gateway's own static files (the feedback widget, the admin pages' scripts and styles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Response, Router
from litestar.static_files import create_static_files_router


async def _not_sniffed(response: Response[Any]) -> Response[Any]:
    # Served by their extension's type only: a browser must not run a file as a script it was not sent as.
    response.headers["x-content-type-options"] = "nosniff"
    return response


def static_files(path: str, directory: Path) -> Router:
    """The files of `directory` under `path` (left out of the API schema), each marked nosniff."""
    return create_static_files_router(path=path, directories=[directory], after_request=_not_sniffed)
