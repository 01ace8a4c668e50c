"""CORS for the answers the gateway makes itself on a proxied route: the page that made the call may read them.

The upstream's answers carry the upstream's CORS headers. When one lets the calling page read it, the gateway
adds its own headers to those it exposes (`with_gateway_headers_exposed`); else, and for any call without an
Origin, they are relayed untouched (such a call pays one test here). A page's call that needs a preflight (any with a key) reaches the gateway only
once the upstream's answer to that preflight allowed the page (gateway.proxy.credentials.is_cors_preflight).
The gateway's own answers to it (a refusal, a held answer, the merged model list) carried no CORS headers,
so the browser told the page only "Failed to fetch", never why. They now let the request's Origin read them,
as the upstream let it read its own. What they hold is the gateway's word about the page's own call;
no cookie is read, so allowing its origin opens nothing a key did not.

Three choices keep that so. `Origin: null` is allowed nothing: every sandboxed iframe and file:// page sends
it, so echoing it would allow them all at once (the Fetch standard and OWASP advise against it). No answer of
the gateway's own says Access-Control-Allow-Credentials: a page calls without cookies (fetch's default, the
OpenAI SDK's), and a gateway deployed behind a proxy that signs users in by cookie must not let every other
site read its answers with them; an upstream's answer keeps the upstream's word on that. And every answer
whose headers depend on the Origin names it in its Vary, so that a shared cache never hands one origin's
answer to another: the gateway's own always, an upstream's when its expose list was changed here.
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


# The Origin of every opaque origin (a sandboxed iframe, a file:// page, a data: URL): it names no one page.
NULL_ORIGIN = b"null"
VARY_ON_ORIGIN = (b"vary", b"Origin")


def readable_by_its_page(request_headers: Headers) -> list[tuple[bytes, bytes]]:
    """The headers letting the request's Origin read the gateway's own answer; only Vary for no Origin, or `null`."""
    for name, value in request_headers:
        if name == b"origin" and value != NULL_ORIGIN:
            return [
                VARY_ON_ORIGIN,
                (b"access-control-allow-origin", value),
                (b"access-control-expose-headers", EXPOSED_HEADERS),
            ]
    return [VARY_ON_ORIGIN]


# The gateway's own headers on an upstream's answer (the interaction's id stands for a missing x-request-id).
ON_AN_UPSTREAMS_ANSWER = (b"x-request-id", b"x-feedgate-interaction-id", b"x-feedgate-feedback-token")


def with_gateway_headers_exposed(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An upstream's answer's `headers` (lower-case names) with the gateway's own added to those it lets a page read.

    Its Vary names Origin then (`varied_on_origin`): the list exposed is the page's alone. Its several Vary and
    Access-Control-Expose-Headers lines become one each.

    Called for an answer whose upstream let the calling page read it (Access-Control-Allow-Origin): the page
    may then read its feedback token, which the upstream's list never names. The upstream's own entries
    are kept, in one line; a "*" among them stays, and the names are added still: the Fetch standard reads
    "*" as every header only for a call without credentials, and as a header's name for one with them.
    """
    named: list[bytes] = []
    varies: list[bytes] = []
    kept = []
    for name, value in headers:
        if name == b"access-control-expose-headers":
            named += header_entries(value)
        elif name == b"vary":
            varies += header_entries(value)
        else:
            kept.append((name, value))
    present = {entry.lower() for entry in named}
    named += [name for name in ON_AN_UPSTREAMS_ANSWER if name not in present]
    kept.append((b"access-control-expose-headers", b", ".join(named)))
    kept.append((b"vary", b", ".join(varied_on_origin(varies))))
    return kept


def varied_on_origin(varies: list[bytes]) -> list[bytes]:
    """The entries of an answer's Vary (`varies`, in order) with Origin among them, once; `*` stands for every header."""
    if any(entry == b"*" or entry.lower() == b"origin" for entry in varies):
        return varies
    return [*varies, b"Origin"]


def header_entries(value: bytes) -> list[bytes]:
    """The non-empty entries of a header's comma-separated list, without their blank ends."""
    return [entry for entry in (part.strip() for part in value.split(b",")) if entry]
