"""URLs holding a NUL character, refused before any handler: no store can keep one.

PostgreSQL refuses NUL in text, so an id, filter or search with %00 in it reached the database and
answered 500 on every route that reads one (SQLite answered 200 or 404). Checked once here, for
every API route and admin page, rather than in each handler.
"""

from __future__ import annotations

import orjson
from litestar.types import Scope, Send

from gateway.errors import openai_error_body
from gateway.public_prefix import public_path

MESSAGE = "URLs must not contain a NUL character (%00): no store can keep it"
_BODY = orjson.dumps({"status_code": 400, "detail": MESSAGE})
# Under /v1/ (feedback, held answers) apps and the SDKs read OpenAI's error shape.
_V1_BODY = openai_error_body(400, MESSAGE, "invalid_url")


def holds_nul(scope: Scope) -> bool:
    """Whether the request's path or query string holds a NUL character (decoded, or as %00)."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


# A person typed or pasted the address: a page in the admin pages' style, not JSON, its two URLs public ones.
_ADMIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad address · Feedgate</title>'
    '<link rel="stylesheet" href="{stylesheet}"></head><body><main>'
    f"<h1>This address cannot be opened</h1><p>{MESSAGE}.</p>"
    '<p><a href="{overview}">Back to the overview</a></p></main></body></html>'
)


def _admin_page(root_path: str) -> bytes:
    return _ADMIN_PAGE.format(
        stylesheet=public_path(root_path, "/admin/static/admin.css"), overview=public_path(root_path, "/admin")
    ).encode()


async def refuse(scope: Scope, send: Send, root_path: str = "") -> None:
    """Answer 400, in the API's error shape (OpenAI's under /v1/; a page under /admin, its links under `root_path`)."""
    path: str = scope["path"]
    if path == "/admin" or path.startswith("/admin/"):
        body, content_type = _admin_page(root_path), b"text/html; charset=utf-8"
    else:
        body, content_type = (_V1_BODY if path.startswith("/v1/") else _BODY), b"application/json"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
