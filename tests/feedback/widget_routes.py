"""Feedback posts answered in the browser as a gateway or a proxy in front of it might: the widget tests' one builder."""

from __future__ import annotations

import json
from typing import Any


def answer_posts(
    page: Any,
    origin: str,
    status: int | None = None,
    *,
    code: str | None = None,
    message: str = "refused",
    error_type: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
    html: bool = False,
    times: int | None = None,
) -> list[str]:
    """The page's feedback posts answered `status` (None: lost on the way, the connection refused); the posts tried.

    The answer is OpenAI's error shape with `code` and `message`, or an HTML error page (`html`), with the CORS
    headers the page's `origin` needs; `times` answers only the first that many, the others go through to the gateway.
    """
    posts: list[str] = []
    allowed = {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": "retry-after, x-request-id",
        "content-type": "text/html" if html else "application/json",
        **(headers or {}),
    }
    error = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    body = f"<html><body><h1>{status}</h1></body></html>" if html else json.dumps(error)

    def answer(route: Any) -> None:
        posts.append(route.request.post_data or "")
        if times is not None and len(posts) > times:
            route.continue_()
        elif status is None:
            route.abort("connectionrefused")
        else:
            route.fulfill(status=status, headers=allowed, body=body)

    page.route("**/v1/feedback", answer)
    return posts
