"""The path sent upstream is the request's own after its /v1/: a /v1/ written percent-encoded cannot reach another host.

The router reads the decoded path (`/v1/@evil.example/...`), the upstream got the raw one's rest. Behind an upstream
URL without a path (`http://llm.internal:4000`, which `serve` only warns of), `/v1%2F@evil.example/chat/completions`
made `http://llm.internal:4000%2F@evil.example/chat/completions`: user info, then another host, which got the call
and, in gateway-key mode, the upstream's own key.
"""

from __future__ import annotations

import httpx
import pytest
import respx
from proxy_in_process import CHAT, gateway_key_proxy

from gateway.proxy.upstream import HttpxUpstream
from gateway.store.keys import LiveKey

# An upstream URL without a path: every call goes to its root.
PATHLESS = "http://llm.internal:4000"
APP_KEY = "fgk-shop"


async def post_through_the_proxy(path: str) -> httpx.Response:
    """A chat call to `path`, through a gateway-key proxy before PATHLESS (built here, inside respx's mock)."""
    upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    proxy = gateway_key_proxy(PATHLESS, upstream, lambda _: None, {APP_KEY: LiveKey("key-1", "shop")})
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            return await client.post(path, json=CHAT, headers={"authorization": f"Bearer {APP_KEY}"})
    finally:
        await upstream.aclose()


@respx.mock
@pytest.mark.parametrize(
    "path", ["/v1%2F@evil.example/chat/completions", "/v1%2f@evil.example/chat/completions", "/%761/chat/completions"]
)
async def test_a_v1_written_percent_encoded_is_refused_and_nothing_is_sent(path):
    evil = respx.post("http://evil.example/chat/completions").mock(return_value=httpx.Response(200, json={}))
    upstream = respx.post(f"{PATHLESS}/chat/completions").mock(return_value=httpx.Response(200, json={}))

    response = await post_through_the_proxy(path)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_path"
    assert not evil.called and not upstream.called  # respx refuses any other call: nothing else was sent


@respx.mock
async def test_the_plain_v1_path_still_reaches_the_pathless_upstream():
    upstream = respx.post(f"{PATHLESS}/chat/completions").mock(return_value=httpx.Response(200, json={"id": "c-1"}))

    response = await post_through_the_proxy("/v1/chat/completions")

    assert response.status_code == 200
    assert upstream.called
