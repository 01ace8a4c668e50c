"""CORS for the answers the gateway makes itself on a proxied route: the page that made the call may read them.

The upstream's answers carry the upstream's CORS headers, relayed untouched (the gateway adds nothing to them,
so a call pays nothing here). A page's call that needs a preflight (any with a key) reaches the gateway only
once the upstream's answer to that preflight allowed the page (gateway.proxy.credentials.is_cors_preflight).
The gateway's own answers to it (a refusal, a held answer, the merged model list) carried no CORS headers,
so the browser told the page only "Failed to fetch", never why. They now let the request's Origin read them,
as the upstream let it read its own. What they hold is the gateway's word about the page's own call;
no cookie is read, so allowing its origin opens nothing a key did not.
"""

from __future__ import annotations

from collections.abc import Sequence

Headers = Sequence[tuple[bytes, bytes]]

# Not CORS-safelisted, so a page could not read them otherwise: a 503's wait, the id a developer quotes,
# and a recorded call's interaction and feedback token (its refusals and held answers carry them).
EXPOSED_HEADERS = b"retry-after, x-request-id, x-feedgate-interaction-id, x-feedgate-feedback-token"


def readable_by_its_page(request_headers: Headers) -> list[tuple[bytes, bytes]]:
    """The headers letting the request's Origin read the gateway's own answer; none for a request with no Origin."""
    for name, value in request_headers:
        if name == b"origin":
            return [
                (b"vary", b"Origin"),
                (b"access-control-allow-origin", value),
                (b"access-control-expose-headers", EXPOSED_HEADERS),
            ]
    return []
