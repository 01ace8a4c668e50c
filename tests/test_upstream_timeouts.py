"""What an app reads when the upstream takes too long: which wait ran out, its length and its setting.

Both said "did not answer in time": a host that drops packets (a firewall, a wrong address) read as a
slow model, and nothing said the limit was the gateway's. The proxy runs in process in front of real
sockets, once with each upstream client.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from proxy_in_process import CHAT, passthrough_proxy, post_chat, raw_upstream

from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

WAIT = 0.5  # both timeouts, in seconds

CLIENTS: dict[str, Callable[[], UpstreamClient]] = {
    "aiohttp": lambda: AiohttpUpstream(max_connections=4, connect_timeout=WAIT, read_timeout=WAIT),
    "httpx": lambda: HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=WAIT, read_timeout=WAIT),
}


@pytest.fixture(params=sorted(CLIENTS))
async def call_proxy(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., Awaitable[httpx.Response]]]:
    """Post a chat completion through the proxy to an upstream at `url`, with each upstream client."""
    upstream_client = CLIENTS[request.param]()
    submitted: list[Exchange] = []

    async def call(url: str, body: dict[str, Any] = CHAT) -> httpx.Response:
        return await post_chat(passthrough_proxy(url, upstream_client, submitted.append), body)

    yield call
    await upstream_client.aclose()


@pytest.fixture
def dropping_url() -> Iterator[tuple[str, int]]:
    """An upstream whose connections never open: its accept queue is full, so the kernel drops their SYNs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))  # the queue's one place, never accepted
    try:
        yield f"http://127.0.0.1:{port}/v1", port
    finally:
        filler.close()
        listener.close()


async def test_a_connection_that_never_opens_says_so_with_its_limit(call_proxy, dropping_url):
    url, port = dropping_url

    response = await call_proxy(url)

    assert response.status_code == 504
    assert response.json()["error"]["message"] == (
        f"Upstream 'default' could not be reached: no connection to 127.0.0.1:{port} opened within 0.5 s "
        "(FEEDGATE_UPSTREAM_CONNECT_TIMEOUT). Check the host and port in this upstream's URL in Feedgate's "
        "configuration, and that the gateway's machine can reach them: a firewall that drops packets looks like this."
    )


async def test_an_answer_that_never_comes_says_how_long_was_waited_and_the_setting(call_proxy, fake_upstream):
    response = await call_proxy(fake_upstream.url, {**CHAT, "model": "hang"})

    assert response.status_code == 504
    assert response.json()["error"]["message"] == (
        "Upstream 'default' did not answer within 0.5 s (FEEDGATE_UPSTREAM_READ_TIMEOUT). "
        "If the model needs longer, ask the gateway's operator to raise that setting."
    )
    assert response.headers["x-request-id"] == response.headers["x-feedgate-interaction-id"]


@pytest.fixture
async def silent_after_headers_url() -> AsyncIterator[str]:
    """An upstream that sends a JSON answer's head and half its body, then nothing until the client goes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"id": ')
        await writer.drain()
        await reader.read()  # until the gateway gives up and closes
        writer.close()

    async with raw_upstream(answer) as url:
        yield url


async def test_an_answer_whose_body_goes_silent_says_how_long_was_waited(call_proxy, silent_after_headers_url):
    response = await call_proxy(silent_after_headers_url)

    assert response.status_code == 502
    assert response.json()["error"]["message"] == (
        "Upstream 'default' broke off its answer: the rest of the answer did not arrive within 0.5 s "
        "(FEEDGATE_UPSTREAM_READ_TIMEOUT)."
    )
