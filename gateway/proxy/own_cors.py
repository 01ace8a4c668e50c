"""CORS for the answers the gateway makes itself on a proxied route: the page that made the call may read them.

The upstream's answers carry the upstream's CORS headers. When one lets the calling page read it, the gateway
adds its own headers to those it exposes (`with_gateway_headers_exposed`); else, and for any call without an
Origin, they are relayed untouched (such a call pays one test here). A page's call that needs a preflight (any with a key) reaches the gateway only
once the upstream's answer to that preflight allowed the page (gateway.proxy.credentials.is_cors_preflight).
The gateway's own answers to it (a refusal, a held answer, the merged model list) carried no CORS headers,
so the browser told the page only "Failed to fetch", never why. They now let the request's Origin read them,
as the upstream let it read its own. What they hold is the gateway's word about the page's own call;
no cookie is read, so allowing its origin opens nothing a key did not.
"""

from __future__ import annotations

from collections.abc import Iterable

Headers = Iterable[tuple[bytes, bytes]]

# Not CORS-safelisted, so a page could not read them otherwise: a 503's wait, the id a developer quotes,
# a recorded call's interaction and feedback token (its refusals and held answers carry them), and a held
# answer's review outcome and the URL to poll it at (its 202, and each poll: gateway.api.held_reviews).
EXPOSED_HEADERS = (
    b"retry-after, x-request-id, x-feedgate-interaction-id, x-feedgate-feedback-token, "
    b"x-feedgate-review-outcome, location"
)


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


# The gateway's own headers on an upstream's answer (the interaction's id stands for a missing x-request-id).
ON_AN_UPSTREAMS_ANSWER = (b"x-request-id", b"x-feedgate-interaction-id", b"x-feedgate-feedback-token")


def with_gateway_headers_exposed(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An upstream's answer's `headers` (lower-case names) with the gateway's own added to those it lets a page read.

    Called for an answer whose upstream let the calling page read it (Access-Control-Allow-Origin): the page
    may then read its feedback token, which the upstream's list never names. The upstream's own entries
    are kept, in one line; a "*" among them stays, and the names are added still: the Fetch standard reads
    "*" as every header only for a call without credentials, and as a header's name for one with them.
    """
    named: list[bytes] = []
    kept = []
    for name, value in headers:
        if name == b"access-control-expose-headers":
            named += [entry for entry in (part.strip() for part in value.split(b",")) if entry]
        else:
            kept.append((name, value))
    present = {entry.lower() for entry in named}
    named += [name for name in ON_AN_UPSTREAMS_ANSWER if name not in present]
    kept.append((b"access-control-expose-headers", b", ".join(named)))
    return kept
