"""Which headers cross the proxy, in each direction."""

from __future__ import annotations

from collections.abc import Sequence

# Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, never the message.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)

# Connection values that name no header (RFC 9112 §9.3, §9.6), as clients and upstreams spell them: nearly
# every message's, answered by one set lookup (any other spelling is read token by token, to the same end).
PLAIN_CONNECTION = frozenset({b"keep-alive", b"close", b"Keep-Alive", b"Close", b"Keep-alive"})

# Not forwarded upstream: the HTTP client sets host and length for the new
# connection, and x-feedgate-* headers are addressed to the gateway itself. `Expect: 100-continue`
# was the client's to the gateway, whose server has met it: the body is read whole before it goes
# on, and aiohttp, given it, waits for the upstream's 100, for good from one that sends none.
_DROPPED_UPSTREAM = HOP_BY_HOP | {b"host", b"content-length", b"expect"}
_DROPPED_DOWNSTREAM = HOP_BY_HOP


def connection_options(value: bytes, named: frozenset[bytes] | None = None) -> frozenset[bytes] | None:
    """The header names a Connection header's `value` makes this hop's own (RFC 9110 §7.6.1), added to `named`.

    Callers look a value up in PLAIN_CONNECTION first, so that a message with a plain one costs no call.
    """
    options = {option.strip() for option in value.lower().split(b",")} - {b"", b"keep-alive", b"close"}
    if not options:
        return named
    return frozenset(options) | named if named else frozenset(options)


def upstream_request_headers(
    headers: list[tuple[bytes, bytes]], authorization: bytes | None, hop_names: frozenset[bytes] | None = None
) -> list[tuple[bytes, bytes]]:
    """The client's headers as the upstream should see them.

    `authorization` replaces the client's own (gateway-key mode; empty drops it);
    None keeps it. `hop_names`: the headers the client's Connection header named (`connection_options`).
    """
    forwarded = [
        (name, value)
        for name, value in headers
        if name not in _DROPPED_UPSTREAM and not name.startswith(b"x-feedgate-")
    ]
    if hop_names:
        forwarded = [(name, value) for name, value in forwarded if name not in hop_names]
    if authorization is not None:
        forwarded = [(n, v) for n, v in forwarded if n != b"authorization"]
        if authorization:
            forwarded.append((b"authorization", authorization))
    return forwarded


def downstream_response_headers(headers: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The upstream's response headers as the client should see them (lower-case names)."""
    result = []
    hop_names = None
    for name, value in headers:
        name = name.lower()
        if name not in _DROPPED_DOWNSTREAM:
            result.append((name, value))
        elif name == b"connection" and value not in PLAIN_CONNECTION:
            hop_names = connection_options(value, hop_names)
    if hop_names:
        # The headers the upstream's Connection header named are its hop's alone (RFC 9110 §7.6.1).
        result = [(name, value) for name, value in result if name not in hop_names]
    return result


def header_text(value: bytes) -> str:
    """A header value of Feedgate's own as text: UTF-8 if it is that, else read as Latin-1.

    Node's fetch and browsers send a header's characters up to U+00FF as single Latin-1 bytes
    ("José" as b"Jos\\xe9"); curl and others send UTF-8. Read as UTF-8 alone, the first lost the é
    (an end user stored as "Jos\\ufffd", metadata refused as no JSON object).
    """
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def header_utf8(value: bytes) -> bytes:
    """A header value of Feedgate's own as UTF-8 bytes (see `header_text`): as sent when it is UTF-8 already."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1").encode("utf-8")
    return value
