"""A client that waits longer than the gateway (the openai SDK's `x-stainless-read-timeout`) is waited for.

The SDKs send their own read timeout, in seconds, on every request. One set above
FEEDGATE_UPSTREAM_READ_TIMEOUT still got the gateway's 504 when that ran out. Now the gateway waits as
long as the client does, up to FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT, and never less than its own. The
upstream is a real socket that answers after the gateway's own wait, once with each upstream client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import orjson
import pytest
from proxy_in_process import CHAT, passthrough_proxy, raw_upstream

from gateway.proxy.read_timeouts import ReadTimeouts
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

WAIT = 0.4  # the gateway's own read timeout, in seconds
LATE = 0.8  # when the upstream answers
CEILING = 3.0  # the longest wait a client's timeout gets
COMPLETION = orjson.dumps({"id": "chatcmpl-late", "choices": []})

CLIENTS: dict[str, Callable[[], UpstreamClient]] = {
    "aiohttp": lambda: AiohttpUpstream(max_connections=4, connect_timeout=5.0, read_timeout=WAIT),
    "httpx": lambda: HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=WAIT),
}


@pytest.fixture
async def late_url() -> AsyncIterator[str]:
    """An upstream that answers each request in full, LATE seconds after it arrived."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        await asyncio.sleep(LATE)
        head_out = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(COMPLETION)}\r\n\r\n"
        writer.write(head_out.encode() + COMPLETION)
        await writer.drain()
        writer.close()

    async with raw_upstream(answer) as url:
        yield url


@pytest.fixture(params=sorted(CLIENTS))
async def call_proxy(
    request: pytest.FixtureRequest, late_url: str
) -> AsyncIterator[Callable[..., Awaitable[httpx.Response]]]:
    """Post a chat completion to the late upstream with `headers`, a client's timeout honoured up to `ceiling`."""
    upstream_client = CLIENTS[request.param]()

    async def call(headers: dict[str, str], ceiling: float = CEILING) -> httpx.Response:
        submitted: list[Exchange] = []
        timeouts = ReadTimeouts(WAIT, ceiling)
        proxy = passthrough_proxy(late_url, upstream_client, submitted.append, read_timeouts=timeouts)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            return await client.post(
                "/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-a", **headers}
            )

    yield call
    await upstream_client.aclose()


async def test_a_client_that_waits_longer_than_the_gateway_gets_the_late_answer(call_proxy):
    response = await call_proxy({"x-stainless-read-timeout": "2.0"})

    assert response.status_code == 200, response.text
    assert response.content == COMPLETION


async def test_without_the_header_the_gateways_own_wait_stands(call_proxy):
    response = await call_proxy({})

    assert response.status_code == 504
    assert "did not answer within 0.4 s (FEEDGATE_UPSTREAM_READ_TIMEOUT)" in response.json()["error"]["message"]


@pytest.mark.parametrize("value", ["0.1", "0", "-5", "nan", "soon", ""])
async def test_a_shorter_or_unreadable_client_timeout_never_shortens_the_gateways_wait(call_proxy, value):
    response = await call_proxy({"x-stainless-read-timeout": value})

    assert response.status_code == 504
    assert "did not answer within 0.4 s (FEEDGATE_UPSTREAM_READ_TIMEOUT)" in response.json()["error"]["message"]


async def test_a_client_timeout_past_the_ceiling_is_waited_for_up_to_the_ceiling_and_the_error_names_it(call_proxy):
    response = await call_proxy({"x-stainless-read-timeout": "3600"}, ceiling=0.6)

    assert response.status_code == 504
    assert response.json()["error"]["message"] == (
        "Upstream 'default' did not answer within 0.6 s (FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT, the longest wait a "
        "client's x-stainless-read-timeout gets). If the model needs longer, ask the gateway's operator to raise that "
        "setting."
    )


async def test_a_client_timeout_that_runs_out_at_the_gateway_names_the_clients_own_timeout(call_proxy):
    response = await call_proxy({"x-stainless-read-timeout": "0.6"})

    assert response.status_code == 504
    assert response.json()["error"]["message"] == (
        "Upstream 'default' did not answer within 0.6 s (the client's x-stainless-read-timeout). "
        "If the model needs longer, give the client a longer timeout."
    )


async def test_a_ceiling_below_the_gateways_own_wait_never_shortens_it(call_proxy):
    response = await call_proxy({"x-stainless-read-timeout": "2"}, ceiling=0.1)

    assert response.status_code == 504
    assert "did not answer within 0.4 s (FEEDGATE_UPSTREAM_READ_TIMEOUT)" in response.json()["error"]["message"]
