"""ProxyApp on its own, with the upstream mocked by respx: failure mapping and what is sent where."""

from __future__ import annotations

import httpx
import pytest
import respx

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import HttpxUpstream
from gateway.recording.exchange import Exchange

UPSTREAM = "https://llm.example/v1"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def no_gateway_keys(_: str) -> None:
    return None


@pytest.fixture
def submitted() -> list[Exchange]:
    return []


@pytest.fixture
async def proxy_client(submitted):
    upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    try:
        proxy = ProxyApp(
            router=UpstreamRouter([Upstream(name="default", url=UPSTREAM)]),
            resolver=CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys),
            client=upstream,
            submit=submitted.append,
            upstream_authorization={"default": None},
            max_request_bytes=1 << 20,
            identity_headers=lambda interaction_id, end_user: [(b"x-extra", interaction_id.encode())],
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            yield client
    finally:
        await upstream.aclose()


@respx.mock
async def test_read_timeout_becomes_504_in_openais_format(proxy_client, submitted):
    respx.post(f"{UPSTREAM}/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert response.status_code == 504
    assert response.json()["error"]["message"] == "Upstream 'default' did not answer in time."
    # Told apart from a refused connection by its code too, not only its status.
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert submitted[0].status_code == 504


@respx.mock
async def test_connection_failure_becomes_502(proxy_client, submitted):
    respx.post(f"{UPSTREAM}/chat/completions").mock(side_effect=httpx.ConnectError("refused"))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert response.status_code == 502
    assert "could not be reached" in response.json()["error"]["message"]
    assert submitted[0].error.startswith("Upstream 'default' could not be reached")


@respx.mock
async def test_path_and_query_are_appended_to_the_upstream_url(proxy_client):
    route = respx.get(f"{UPSTREAM}/models/gpt-4o", params={"x": "1"}).mock(return_value=httpx.Response(200, json={}))

    await proxy_client.get("/v1/models/gpt-4o?x=1")

    assert route.called


@respx.mock
async def test_error_responses_keep_the_interaction_id_and_identity_headers(proxy_client):
    respx.post(f"{UPSTREAM}/chat/completions").mock(side_effect=httpx.ConnectError("refused"))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert response.headers["x-extra"] == response.headers["x-feedgate-interaction-id"]


@respx.mock
async def test_upstream_headers_come_back_minus_hop_by_hop(proxy_client):
    respx.post(f"{UPSTREAM}/chat/completions").mock(
        return_value=httpx.Response(
            200, json={"id": "chatcmpl-1"}, headers={"openai-processing-ms": "12", "keep-alive": "timeout=5"}
        )
    )

    response = await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert response.headers["openai-processing-ms"] == "12"
    assert "keep-alive" not in response.headers


@respx.mock
async def test_only_recorded_endpoints_are_submitted(proxy_client, submitted):
    respx.get(f"{UPSTREAM}/models").mock(return_value=httpx.Response(200, json={"data": []}))
    respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=httpx.Response(200, json={"id": "chatcmpl-1"}))

    await proxy_client.get("/v1/models")
    await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert [exchange.endpoint for exchange in submitted] == ["chat.completions"]
    assert submitted[0].request == CHAT
