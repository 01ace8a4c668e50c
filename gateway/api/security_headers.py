"""The browser security headers on every answer of the admin pages and API, the framework's errors and static files too.

Added at the ASGI level (gateway.app), so an answer no handler shaped (a 404, a 405, a NUL refusal, a
static file) has them as a page does. The proxy's /v1/* answers pass by: they are the provider's, and
nothing is added on the proxy's hot path.
"""

from __future__ import annotations

from litestar.types import Message, Send

# Other sites load the feedback widget (/static/feedgate.js) with a <script> tag.
WIDGET_PREFIX = "/static/"
# An answer that brought no policy of its own (JSON, an error, a file) runs and embeds nothing, and no page frames it.
NOTHING_RUNS = "default-src 'none'; frame-ancestors 'none'"
# No admin page uses any of these; a script injected despite the CSP gets none of them either. Only
# features browsers recognise: Chromium warns of any other on every page ("bluetooth", which the
# spec lists but no browser ships, did), and a browser that ignores a feature grants it by its default anyway.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
    "midi=(), display-capture=(), accelerometer=(), gyroscope=(), magnetometer=()"
)
_COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    # A page another site opened (window.open) gets no handle on an admin page, nor it on that page.
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": PERMISSIONS_POLICY,
    "content-security-policy": NOTHING_RUNS,
}


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode(), value.encode()) for name, value in headers.items()]


_SAME_ORIGIN = _encoded({**_COMMON, "cross-origin-resource-policy": "same-origin"})
_ANY_ORIGIN = _encoded({**_COMMON, "cross-origin-resource-policy": "cross-origin"})


# The same headers as lines of an answer written by hand (gateway.request_limits: a 431, a 408).
SAME_ORIGIN_LINES = b"".join(name + b": " + value + b"\r\n" for name, value in _SAME_ORIGIN)


def with_security_headers(path: str, send: Send) -> Send:
    """`send`, adding each security header the answer lacks (a page's own CSP stays)."""
    added = _ANY_ORIGIN if path.startswith(WIDGET_PREFIX) else _SAME_ORIGIN

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header in added if header[0] not in present)
            message["headers"] = headers
        await send(message)

    return send_with_headers
