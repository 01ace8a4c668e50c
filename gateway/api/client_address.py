"""What is believed of a request's browser: its address, for the limits that count by it (feedback posts, admin
sign-ins, admin tokens), and the scheme it used, for the admin cookies' Secure flag and HSTS.

Both are read from a proxy's headers only when a trusted proxy (FEEDGATE_TRUSTED_PROXIES) sent the
request; from anyone else, the socket's own peer and scheme.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The settings' trusted proxies as networks (read once per list, not per request)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted(address: str | None, networks: Sequence[Network]) -> bool:
    """Whether `address` is one of the trusted proxies' (something that is no IP address never is)."""
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(
    connection: ASGIConnection[Any, Any, Any, Any], header: str | None, trusted_proxies: Sequence[str]
) -> str | None:
    """The browser's address: from `header` when a trusted proxy sent the request, else the socket's peer.

    The header's entries are read from the right, each appended by the proxy that received it: the
    first that is no trusted proxy's is the browser's (behind one proxy, its last entry).
    """
    peer = connection.client.host if connection.client is not None else None
    if header is None:
        return peer
    networks = trusted_networks(tuple(trusted_proxies))
    # Anyone else reaching the gateway could name itself anew on every request and escape every limit.
    if not is_trusted(peer, networks):
        return peer
    # Every line of the header, not the first: a proxy such as HAProxy adds a line of its own after
    # any the client sent, and the first line's last entry was the client's choice, so a browser
    # named itself anew on every request and no per-address limit ever counted it.
    entries = [entry.strip() for line in connection.headers.getall(header, []) for entry in line.split(",")]
    entries = [entry for entry in entries if entry]
    for entry in reversed(entries):
        if not is_trusted(entry, networks):
            return entry
    # Every entry a trusted proxy's: the farthest one is as close to the browser as is known.
    return entries[0] if entries else peer


def public_scheme(connection: ASGIConnection[Any, Any, Any, Any], trusted_proxies: Sequence[str]) -> str:
    """The scheme the browser used: X-Forwarded-Proto's when a trusted proxy sent the request, else the connection's.

    A proxy that ends TLS reaches the gateway over plain http; it says `https` in X-Forwarded-Proto. Of
    proxies that each append their own, the first entry is the scheme the browser used with the outermost.
    """
    own = connection.url.scheme
    peer = connection.client.host if connection.client is not None else None
    if not is_trusted(peer, trusted_networks(tuple(trusted_proxies))):
        return own
    said = ",".join(connection.headers.getall("x-forwarded-proto", [])).split(",")[0].strip().lower()
    return said if said in ("http", "https") else own
