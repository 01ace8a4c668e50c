"""Pages not built yet: each says so, behind the same guard its real page will have.

A page author replacing one removes its handler here and adds their controller in routes.py.
"""

from __future__ import annotations

from litestar import Request, Response, get

from admin_ui.rendering import render
from admin_ui.session import signed_in


def _coming_soon(request: Request, title: str, what: str) -> Response:
    return render(request, "coming_soon.html", title=title, what=what)


@get("/issues", guards=[signed_in])
async def issues_page(request: Request) -> Response:
    """Placeholder for the issues list."""
    return _coming_soon(request, "Issues", "issues found in negative feedback, sortable by size and growth")


@get("/review", guards=[signed_in])
async def review_page(request: Request) -> Response:
    """Placeholder for the review queue."""
    return _coming_soon(request, "Review queue", "review tasks to claim, decide and resolve")


@get("/interactions", guards=[signed_in])
async def interactions_page(request: Request) -> Response:
    """Placeholder for the interactions search."""
    return _coming_soon(request, "Interactions", "every recorded call, searchable, with its feedback")


@get("/knowledge", guards=[signed_in])
async def knowledge_page(request: Request) -> Response:
    """Placeholder for the knowledge base."""
    return _coming_soon(request, "Knowledge", "knowledge-base entries that fix answers")


@get("/prompts", guards=[signed_in])
async def prompts_page(request: Request) -> Response:
    """Placeholder for prompt versions."""
    return _coming_soon(request, "Prompts", "prompt-instruction versions per app, with canaries and rollback")


PLACEHOLDER_PAGES = [issues_page, review_page, interactions_page, knowledge_page, prompts_page]
