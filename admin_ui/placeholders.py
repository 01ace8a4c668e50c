"""Pages not built yet: each says so, behind the same guard its real page will have.

A page author replacing one removes its handler here and adds their controller in routes.py.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from admin_ui.rendering import render


def _coming_soon(request: Request[Any, Any, Any], title: str, what: str) -> Response[Any]:
    return render(request, "coming_soon.html", title=title, what=what)


PLACEHOLDER_PAGES: list[Any] = []
