"""Settings for a gateway behind a reverse proxy: the public path prefix, and the proxies whose headers are believed."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator

from gateway.domain.quoting import quoted

# The first path segments the gateway serves itself: a prefix starting with one would shadow them.
_OWN_SEGMENTS = frozenset({"v1", "admin", "api", "static", "schema", "metrics", "healthz", "readyz"})


def checked_root_path(value: str) -> str:
    """`value` as a public path prefix ("/feedgate", no trailing slash; "" for none); ValueError saying what is wrong."""
    path = value.strip().rstrip("/")
    if not path:
        return ""
    segments = path.split("/")
    if (
        not path.startswith("/")
        or any(not segment or segment in (".", "..") for segment in segments[1:])
        or any(character in path for character in "?#%\\ \"'<>")
    ):
        raise ValueError(f"{quoted(value)} is not a URL path: write the public prefix as /name, e.g. /feedgate")
    if segments[1] in _OWN_SEGMENTS:
        raise ValueError(f"{quoted(value)} starts with /{segments[1]}, a path the gateway serves itself: pick another")
    return path


class ReverseProxySettings(BaseModel):
    """Where the public reaches the gateway through a proxy, and which proxies may name a browser's address."""

    # The path the public reaches Feedgate under, e.g. "/feedgate" for https://tools.example.com/feedgate/
    # ("" for none). A request under it (a proxy that keeps the prefix) is served as one without it (a
    # proxy that strips it); every URL the gateway hands out (the admin pages' links, redirects and
    # cookies, a held answer's poll URL) carries it.
    root_path: str = ""
    # The addresses (or networks, CIDR) of the reverse proxies in front: only a request whose socket peer
    # is one of them has its client-address header (FEEDGATE_*_CLIENT_ADDRESS_HEADER) and X-Forwarded-Proto
    # read, and uvicorn's access log believes X-Forwarded-For from them alone; any other sender could name
    # itself anew on every request and escape every per-address limit.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("root_path")
    @classmethod
    def _checked_root_path(cls, value: str) -> str:
        return checked_root_path(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _checked_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{quoted(entry)} is not an IP address or network: write e.g. 10.0.0.5 or 10.0.0.0/8"
                ) from None
        return value
