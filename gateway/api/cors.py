"""CORS for the API's endpoints browsers call cross-origin: `/v1/feedback`, and the held answer's poll.

`/v1/feedback` takes a feedback token a page was handed, so only the origins configured may post there. The
poll (`/v1/reviews/{task_id}`) is authorised by the app's key alone, as the proxied call that was held: as
the gateway's other own answers on /v1 (gateway.proxy.own_cors), any page calling with that key may read it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableSet, Sequence

from litestar.types import Message, Scope, Send

from gateway.proxy.own_cors import NULL_ORIGIN, header_entries, readable_by_its_page, varied_on_origin

# The one path browsers call cross-origin, with a trailing slash too (the API's router takes both spellings).
FEEDBACK_PATH = "/v1/feedback"
FEEDBACK_PATHS = frozenset({FEEDBACK_PATH, FEEDBACK_PATH + "/"})
ALLOWED_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = ("content-type", "x-feedgate-feedback-token", "authorization")
# A header name (an RFC 9110 token); at most this many of a page's own are allowed in one preflight.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]{1,100}")
MAX_REQUESTED_HEADERS = 50
PREFLIGHT_MAX_AGE = "600"
# A held answer's poll: a GET (a HEAD reads its status alone) with the app's key.
POLL_METHODS = "GET, HEAD, OPTIONS"
POLL_HEADERS = ("authorization",)
# Not CORS-safelisted, so a page could not read them otherwise: a 429's or a 503's wait, and the id of the
# answer (every answer on the path has one, gateway.request_ids), which a developer quotes about a failed post.
# Named on every answer an origin may read: a header the answer lacks is simply not there to read.
EXPOSED_HEADERS = "retry-after, x-request-id"
# Origins told of in the log, per process: enough for a developer's few, bounded against a flood.
MAX_WARNED_ORIGINS = 100
_NULL = NULL_ORIGIN.decode()

log = logging.getLogger("feedgate.feedback")


def cors_headers(origin: str | None, allowed_origins: Sequence[str]) -> dict[str, str]:
    """Headers letting `origin` read the answer and its EXPOSED_HEADERS, if it is configured ("*" allows any origin).

    Any but `null`, every sandboxed iframe's and file:// page's at once (gateway.proxy.own_cors); no setting lists it.
    """
    headers = {"vary": "Origin"}
    if origin is not None and (origin in allowed_origins or ("*" in allowed_origins and origin != _NULL)):
        headers["access-control-allow-origin"] = origin
        headers["access-control-expose-headers"] = EXPOSED_HEADERS
    return headers


def cors_headers_before_the_head(origin: str | None, allowed_origins: Sequence[str]) -> dict[str, str]:
    """`cors_headers` for an answer the server gives before the request's head is read whole (a 408, a 431).

    Without its Origin read, any page may read the answer: Chromium sends a page's own headers (an
    oversized one among them) before Origin, and withheld, the page saw only "Failed to fetch". Such
    an answer holds the gateway's fixed error and nothing of anyone's data.
    """
    if origin is None and allowed_origins:
        return {"vary": "Origin", "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED_HEADERS}
    return cors_headers(origin, allowed_origins)


def with_cors_headers(scope: Scope, send: Send, allowed_origins: Sequence[str]) -> Send:
    """`send`, adding `cors_headers` to the answer unless it has them: any answer, the framework's errors too."""
    # One rule for every answer on the path: a 405, a 400 or a 500 that lacked them reached the page
    # as an opaque CORS failure ("Failed to fetch") instead of its message.
    origin = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"origin"), None)
    added = [(name.encode(), value.encode()) for name, value in cors_headers(origin, allowed_origins).items()]
    return _adding(send, added)


def readable_by_the_calling_page(scope: Scope, send: Send) -> Send:
    """`send`, letting the request's Origin read every answer, the framework's errors too (gateway.proxy.own_cors)."""
    return _adding(send, readable_by_its_page(scope["headers"]))


def _adding(send: Send, added: list[tuple[bytes, bytes]]) -> Send:
    """`send`, adding each of the `added` headers the answer lacks, and Origin to the Vary it has."""

    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            present = {name.lower() for name, _ in headers}
            if b"vary" in present:
                # Its own Vary kept alone would let a shared cache hand this origin's answer to another's page.
                varies = [
                    entry for name, value in headers if name.lower() == b"vary" for entry in header_entries(value)
                ]
                headers = [(name, value) for name, value in headers if name.lower() != b"vary"]
                headers.append((b"vary", b", ".join(varied_on_origin(varies))))
            headers += [(name, value) for name, value in added if name not in present]
            message["headers"] = headers
        await send(message)

    return send_with_cors


def preflight_headers(
    origin: str | None, allowed_origins: Sequence[str], requested_headers: str | None = None
) -> dict[str, str]:
    """The answer to a browser's preflight: which methods and headers the origin may use."""
    headers = cors_headers(origin, allowed_origins)
    if "access-control-allow-origin" in headers:
        headers["access-control-allow-methods"] = ALLOWED_METHODS
        headers["access-control-allow-headers"] = ", ".join(allowed_headers(requested_headers))
        headers["access-control-max-age"] = PREFLIGHT_MAX_AGE
    return headers


def allowed_headers(requested_headers: str | None, own: Sequence[str] = ALLOWED_HEADERS) -> list[str]:
    """The request headers Feedgate reads (`own`), and the other names a preflight's Access-Control-Request-Headers asks for."""
    # A page's tracing (traceparent, sentry-trace, baggage…) adds headers of its own to every fetch, and the
    # OpenAI SDKs their x-stainless-* ones. Left out, the browser blocked the call and told the page only
    # "Failed to fetch", with nothing in the gateway's log. The gateway reads none of them and takes no
    # cookies, so allowing them opens nothing.
    allowed = list(own)
    for name in (requested_headers or "").lower().split(",")[:MAX_REQUESTED_HEADERS]:
        name = name.strip()
        if HEADER_NAME.fullmatch(name) and name not in allowed:
            allowed.append(name)
    return allowed


def poll_preflight_headers(origin: str | None, requested_headers: str | None) -> dict[str, str]:
    """The answer to a browser's preflight for a held answer's poll, which carries no key: any origin may send one.

    Its Access-Control-Allow-Origin is added as to every answer on the path (`readable_by_the_calling_page`).
    """
    if origin is None:
        return {}
    return {
        "access-control-allow-methods": POLL_METHODS,
        "access-control-allow-headers": ", ".join(allowed_headers(requested_headers, POLL_HEADERS)),
        "access-control-max-age": PREFLIGHT_MAX_AGE,
    }


def warn_of_unlisted_origin(origin: str | None, allowed_origins: Sequence[str], warned: MutableSet[str]) -> None:
    """Log, once per origin, a browser preflight from an origin `FEEDGATE_CORS_ORIGINS` does not list (or `null`, why none may)."""
    # The browser then blocks the post and tells its page only "Failed to fetch": without this line
    # the developer wiring up the widget had nothing on the gateway's side saying what to change.
    if origin is None or "access-control-allow-origin" in cors_headers(origin, allowed_origins):
        return
    if origin in warned or len(warned) >= MAX_WARNED_ORIGINS:
        return
    warned.add(origin)
    if origin == _NULL:
        # "Not listed" sent developers to list it, which the config check refuses: say why it is refused instead.
        log.warning(
            "a page with Origin 'null' asked to post feedback: a sandboxed iframe, a file:// page or a data: URL "
            "sends it, every one alike, so it is allowed nothing and no FEEDGATE_CORS_ORIGINS can list it; serve "
            "the page from an origin of its own (https://...) and list that"
        )
        return
    log.warning(
        "a page at %s asked to post feedback, but FEEDGATE_CORS_ORIGINS does not list that origin, so the "
        "browser blocks its posts; add it if it is your front end",
        origin[:200],
    )
