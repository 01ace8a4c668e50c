"""The gateway under a public path prefix (`root_path`, e.g. /feedgate), behind a proxy that strips it or keeps it.

Inbound, a path under the prefix is served as the same path without it, so both proxy shapes reach
the same routes. Outbound, what the admin pages and the API hand a browser is made public: a
`Location` (every redirect), a cookie's `Path`, and the URLs in an HTML page's markup (links,
assets, form actions, panel and fragment URLs). The pages and their handlers keep naming paths
from the gateway's root (`/admin/...`), as routes and `next` fields need them; this one place
puts the prefix before what reaches the browser. The proxy's `/v1/` path is not rewritten (its
answers are the upstream's bytes): the one URL it hands out, a held answer's, carries the
prefix where it is made (gateway.review.gate).
"""

from __future__ import annotations

import re
from typing import Any

from litestar.types import Message, Scope, Send

# An attribute naming a URL in the pages' markup, and a path from the root in it (never `//host`).
# Jinja escapes every `"` of what it fills in, so only the templates' own attributes can match.
_URL_ATTRIBUTE = re.compile(rb'(\s(?:href|src|action|formaction|data-[a-z-]*(?:url|src))=")/(?!/)')
_COOKIE_PATH = re.compile(rb"(;\s*path=)/", re.IGNORECASE)


def strip_prefix(root_path: str, scope: Scope) -> Scope:
    """`scope` with `root_path` taken off the front of its path, when a proxy kept it there."""
    path: str = scope["path"]
    if path != root_path and not path.startswith(root_path + "/"):
        return scope
    inner = path[len(root_path) :] or "/"
    raw: bytes | None = scope.get("raw_path")
    raw_inner = (raw[len(root_path) :] or b"/") if raw is not None and raw.startswith(root_path.encode()) else None
    return {**scope, "path": inner, "raw_path": raw_inner or inner.encode()}  # type: ignore[return-value]


def public_location(root_path: str, location: bytes) -> bytes:
    """A `Location` from the gateway's root (`/admin`) under the prefix; an absolute URL as it is."""
    if location.startswith(b"/") and not location.startswith(b"//"):
        return root_path.encode() + location
    return location


def with_public_urls(root_path: str, send: Send) -> Send:
    """`send` that puts `root_path` before the redirects, cookie paths and page URLs of one answer."""
    prefix = root_path.encode()
    start: dict[str, Any] | None = None
    body = bytearray()

    def header(name: bytes, value: bytes) -> tuple[bytes, bytes]:
        lowered = name.lower()
        if lowered == b"location":
            return name, public_location(root_path, value)
        if lowered == b"set-cookie":
            return name, _COOKIE_PATH.sub(lambda match: match.group(1) + prefix + b"/", value)
        return name, value

    async def send_public(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            headers = [header(name, value) for name, value in message.get("headers", [])]
            is_page = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
            if not is_page:
                await send({**message, "headers": headers})
                return
            # A page is rendered whole before it is sent: held until its last part, then rewritten once.
            start = {**message, "headers": [(n, v) for n, v in headers if n.lower() != b"content-length"]}
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        page = _URL_ATTRIBUTE.sub(lambda match: match.group(1) + prefix + b"/", bytes(body))
        start["headers"].append((b"content-length", str(len(page)).encode()))
        await send(start)  # type: ignore[arg-type]
        await send({"type": "http.response.body", "body": page, "more_body": False})

    return send_public
