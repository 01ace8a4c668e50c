"""`/static/feedgate.js`: the feedback widget's script, served with this gateway's text limit written in.

The widget's boxes stop at `feedback_max_text_chars` (FEEDGATE_FEEDBACK_MAX_TEXT_CHARS). The script carries the value
rather than asking for it: its boxes are drawn before any post (at once, with no thumbs), it stays one file with no
request of its own, and a page loads it from the gateway anyway. Its ETag is of the bytes served, so a changed limit
is a changed script to a browser's cache.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod

from gateway.services import Services

WIDGET_PATH = "/static/feedgate.js"
WIDGET_SOURCE = Path(__file__).parent.parent / "static" / "feedgate.js"
# The one line of the script the gateway writes its limit into; the file keeps the default for a copy served elsewhere.
LIMIT_LINE = "var MAX_TEXT_CHARS = 10000;"
MEDIA_TYPE = "text/javascript; charset=utf-8"


@functools.cache
def widget_script(max_text_chars: int) -> tuple[bytes, str]:
    """The script with `max_text_chars` written in, and its ETag (read from disk once per limit)."""
    source = WIDGET_SOURCE.read_text(encoding="utf-8")
    if source.count(LIMIT_LINE) != 1:
        raise RuntimeError(f"{WIDGET_SOURCE} must hold the line {LIMIT_LINE!r} once, for the gateway's limit")
    body = source.replace(LIMIT_LINE, f"var MAX_TEXT_CHARS = {max_text_chars};").encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@route(WIDGET_PATH, http_method=[HttpMethod.GET, HttpMethod.HEAD], include_in_schema=False)
async def serve_widget(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[bytes]:
    """The widget's script (304 when the browser's copy is current)."""
    body, etag = widget_script(services.settings.feedback_max_text_chars)
    headers = {"etag": etag, "content-disposition": 'inline; filename="feedgate.js"'}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
