"""The access log's client address: uvicorn believes X-Forwarded-For from FEEDGATE_TRUSTED_PROXIES only.

uvicorn's proxy-headers middleware (on with FEEDGATE_ACCESS_LOG) rewrites the request's client
address, which its access log writes, from X-Forwarded-For; by default it trusted 127.0.0.1 (or
FORWARDED_ALLOW_IPS), whatever the gateway was told to trust. `feedgate serve` hands it the same list.
The middleware is run here as uvicorn builds it from `feedgate serve`'s options.
"""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from gateway.config import Settings
from gateway.serve_workers import uvicorn_options


async def client_seen(settings: Settings, peer: str, forwarded_for: str, proto: str = "https") -> tuple[str, str]:
    """The client address and scheme the app (and so the access log) gets for a request from `peer`."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope)

    config = uvicorn.Config(app, **{**uvicorn_options(settings), "log_config": None})
    config.load()
    scope = {
        "type": "http",
        "client": (peer, 40000),
        "scheme": "http",
        "headers": [(b"x-forwarded-for", forwarded_for.encode()), (b"x-forwarded-proto", proto.encode())],
    }
    await config.loaded_app(scope, None, None)
    return seen["client"][0], seen["scheme"]


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
async def test_no_trusted_proxies_no_forwarded_address_even_from_localhost(peer, monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    settings = Settings(access_log=True)

    assert await client_seen(settings, peer, "198.51.100.66") == (peer, "http")


async def test_the_access_log_names_the_browser_behind_a_trusted_proxy():
    settings = Settings(access_log=True, trusted_proxies=["10.0.0.0/8"])

    assert await client_seen(settings, "10.0.0.2", "203.0.113.9, 10.0.0.7") == ("203.0.113.9", "https")


async def test_a_sender_not_trusted_is_logged_as_itself(monkeypatch):
    # 127.0.0.1 was trusted by uvicorn's default though not listed.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    settings = Settings(access_log=True, trusted_proxies=["10.0.0.0/8"])

    assert await client_seen(settings, "127.0.0.1", "198.51.100.66") == ("127.0.0.1", "http")
    assert await client_seen(settings, "192.0.2.4", "198.51.100.66") == ("192.0.2.4", "http")


async def test_a_network_written_with_host_bits_is_trusted_as_the_gateway_trusts_it():
    # The gateway reads 10.0.0.5/8 as 10.0.0.0/8; uvicorn took it for a host name and trusted nothing.
    settings = Settings(access_log=True, trusted_proxies=["10.0.0.5/8"])

    assert await client_seen(settings, "10.1.2.3", "203.0.113.9") == ("203.0.113.9", "https")


def test_without_the_access_log_uvicorn_reads_no_proxy_header():
    # The middleware cost ~4 % of the event loop on the proxy benchmark; nothing else reads what it sets.
    options = uvicorn_options(Settings(trusted_proxies=["10.0.0.0/8"]))

    assert options["proxy_headers"] is False
