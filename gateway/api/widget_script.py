"""`/static/feedgate.js`: the feedback widget's script, served with this gateway's text limit and blank rule written in.

The widget's boxes stop at `feedback_max_text_chars` (FEEDGATE_FEEDBACK_MAX_TEXT_CHARS), and a text made of the
characters gateway.domain.blank_text lists is none to it, as to the gateway (one list: the script's line is written
from it). The script carries the values rather than asking for them: its boxes are drawn before any post (at once,
with no thumbs), it stays one file with no request of its own, and a page loads it from the gateway anyway. Its ETag
is of the bytes served, so a changed limit is a changed script to a browser's cache.

Its source is five parts in gateway/widget/ (WIDGET_PARTS), joined in order into the one script a page loads: they
share one function's scope, the first part opening it and the last closing it, so no part runs alone.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import Any

from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod

from gateway.domain.blank_text import BLANK_CODE_POINTS
from gateway.services import Services

WIDGET_PATH = "/static/feedgate.js"
WIDGET_DIRECTORY = Path(__file__).parent.parent / "widget"
# The parts in the order they are joined (docs/feedback.md lists them): sending, the texts' rules and words, the thumbs'
# pictures, the controls, and mounting them on the page.
WIDGET_PARTS = ("transport.js", "text.js", "icons.js", "widget.js", "boot.js")
# The part holding the lines the gateway writes its values into.
WIDGET_SOURCE = WIDGET_DIRECTORY / "text.js"
# The one line of the script the gateway writes its limit into; the file keeps the default for a copy served elsewhere.
LIMIT_LINE = "var MAX_TEXT_CHARS = 10000;"
# Litestar adds "; charset=utf-8" to a text/* media type itself (naming it here too sent the parameter twice).
MEDIA_TYPE = "text/javascript"
# The line listing the characters a blank text is made of; the file keeps a copy of what blank_text_line() writes.
BLANK_LINE = re.compile(r"var BLANK_TEXT_CODE_POINTS = \[[^\]]*\];")


def blank_text_line() -> str:
    """The script's line listing the code points a comment or correction may be made of and say nothing."""
    # The widget writes each as a \uXXXX escape in a regular expression: four hex digits (a test checks they fit).
    return "var BLANK_TEXT_CODE_POINTS = [" + ", ".join(f"0x{point:x}" for point in BLANK_CODE_POINTS) + "];"


def joined_parts() -> str:
    """The widget's parts joined in order: the script as a page runs it, with the defaults the parts hold."""
    return "".join((WIDGET_DIRECTORY / name).read_text(encoding="utf-8") for name in WIDGET_PARTS)


@functools.cache
def widget_script(max_text_chars: int) -> tuple[bytes, str]:
    """The script with `max_text_chars` and the blank characters written in, and its ETag (read once per limit)."""
    source = joined_parts()
    if source.count(LIMIT_LINE) != 1:
        raise RuntimeError(f"{WIDGET_DIRECTORY} must hold the line {LIMIT_LINE!r} once, for the gateway's limit")
    if len(BLANK_LINE.findall(source)) != 1:
        raise RuntimeError(
            f"{WIDGET_DIRECTORY} must hold one line 'var BLANK_TEXT_CODE_POINTS = [...];', for blank text"
        )
    source = BLANK_LINE.sub(blank_text_line(), source)
    body = source.replace(LIMIT_LINE, f"var MAX_TEXT_CHARS = {max_text_chars};").encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def names_current_copy(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names the ETag `etag`: weakly compared, any of a list, or `*` (RFC 9110 13.1.2)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    # A proxy that compresses the script weakens its ETag (W/"…"), and the browser sends that back.
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


@route(WIDGET_PATH, http_method=[HttpMethod.GET, HttpMethod.HEAD], include_in_schema=False)
async def serve_widget(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[bytes]:
    """The widget's script (304 when the browser's copy is current)."""
    body, etag = widget_script(services.settings.feedback_max_text_chars)
    headers = {"etag": etag, "content-disposition": 'inline; filename="feedgate.js"'}
    if names_current_copy(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
