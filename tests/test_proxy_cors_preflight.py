"""A browser's CORS preflight to a proxied `/v1/*` route gets the upstream's CORS answer, in either key mode.

A preflight never carries credentials. In gateway-key mode it got 401 `invalid_api_key`, which the browser
reports as a CORS failure ("does not have HTTP ok status") with no word of a key: a page calling the
gateway with its gateway key could never make its call. It now goes upstream as pass-through mode sends
it, with no key (not Feedgate's own for the upstream either), and the upstream's answer comes back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from proxy_in_process import gateway_key_proxy, passthrough_proxy, raw_upstream

from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import Exchange
from gateway.store.keys import LiveKey

PREFLIGHT = {
    "origin": "https://app.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}
ISSUED = "fgk-issued"


class CorsUpstream:
    """Answers a preflight as an upstream offering CORS does (204, any origin); keeps each request's head."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []

    async def answer(self, reader: Any, writer: Any) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head.lower())
        writer.write(
            b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\n"
            b"access-control-allow-methods: GET, POST, OPTIONS\r\naccess-control-allow-headers: *\r\n"
            b"connection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()


@pytest.fixture
def upstream() -> CorsUpstream:
    return CorsUpstream()


@pytest.fixture
async def keyed_proxy(upstream, upstream_client: UpstreamClient, submitted: list[Exchange]) -> AsyncIterator[ProxyApp]:
    """The proxy in gateway-key mode before `upstream`, through each upstream client."""
    async with raw_upstream(upstream.answer) as url:
        yield gateway_key_proxy(url, upstream_client, submitted.append, {ISSUED: LiveKey("key-1", "support-bot")})


@pytest.fixture(params=["gateway", "passthrough"])
async def proxy(
    request, upstream, upstream_client: UpstreamClient, submitted: list[Exchange]
) -> AsyncIterator[ProxyApp]:
    """The proxy in either key mode before `upstream`, through each upstream client."""
    async with raw_upstream(upstream.answer) as url:
        if request.param == "gateway":
            yield gateway_key_proxy(url, upstream_client, submitted.append, {ISSUED: LiveKey("key-1", "support-bot")})
        else:
            yield passthrough_proxy(url, upstream_client, submitted.append)


async def options(proxy: ProxyApp, headers: dict[str, str]) -> httpx.Response:
    """An OPTIONS request to /v1/chat/completions through `proxy` with `headers`."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.options("/v1/chat/completions", headers=headers)


async def test_a_browsers_preflight_gets_the_upstreams_cors_answer(proxy):
    response = await options(proxy, PREFLIGHT)

    assert (response.status_code, response.headers.get("access-control-allow-origin")) == (204, "*")


async def test_a_preflight_goes_upstream_without_any_key(proxy, upstream):
    await options(proxy, PREFLIGHT)

    assert len(upstream.heads) == 1
    assert b"authorization:" not in upstream.heads[0]


@pytest.mark.parametrize(
    "headers",
    [
        {"access-control-request-method": "POST"},  # no Origin: no browser's
        {"origin": "https://app.example"},  # no method to come: not a preflight
        {**PREFLIGHT, "authorization": "Bearer fgk-never-issued"},  # a key, and not one the gateway issued
        {**PREFLIGHT, "content-length": "2"},  # a body, which no preflight has
    ],
    ids=["no-origin", "no-method", "unknown-key", "body"],
)
async def test_an_options_request_that_is_no_preflight_still_needs_a_gateway_key(keyed_proxy, upstream, headers):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=keyed_proxy), base_url="http://gw") as client:
        body = b"{}" if "content-length" in headers else None
        response = await client.request("OPTIONS", "/v1/chat/completions", headers=headers, content=body)

    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")
    assert upstream.heads == []
