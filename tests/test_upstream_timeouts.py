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

from gateway.proxy.relay import UpstreamBrokeOff
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

WAIT = 0.5  # both timeouts, in seconds

CLIENTS: dict[str, Callable[[], UpstreamClient]] = {
    "aiohttp": lambda: AiohttpUpstream(max_connections=4, connect_timeout=WAIT, read_timeout=WAIT),
    "httpx": lambda: HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=WAIT, read_timeout=WAIT),
}


@pytest.fixture(params=sorted(CLIENTS))
async def call_proxy(
    request: pytest.FixtureRequest, submitted: list[Exchange]
) -> AsyncIterator[Callable[..., Awaitable[httpx.Response]]]:
    """Post a chat completion through the proxy to an upstream at `url`, with each upstream client."""
    upstream_client = CLIENTS[request.param]()

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


async def test_an_answer_whose_body_goes_silent_is_a_504_that_says_how_long_was_waited(
    call_proxy, silent_after_headers_url, submitted
):
    # A wait that ran out, as before the headers: a timeout (504), not an upstream that broke off (502).
    response = await call_proxy(silent_after_headers_url)

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert response.json()["error"]["message"] == STALLED
    assert response.headers["x-request-id"] == response.headers["x-feedgate-interaction-id"]
    assert (submitted[0].status_code, submitted[0].error) == (504, STALLED)


async def test_a_stream_that_goes_silent_is_recorded_as_a_wait_that_ran_out(call_proxy, fake_upstream, submitted):
    # The stream's 200 has reached the client: the record keeps it, and says in the same words why it ends early.
    with pytest.raises(UpstreamBrokeOff):
        await call_proxy(fake_upstream.url, {**CHAT, "model": "stall", "stream": True})

    assert (submitted[0].status_code, submitted[0].partial) == (200, True)
    assert submitted[0].error == STALLED


STALLED = (
    "Upstream 'default' stopped sending its answer: nothing more of it arrived within 0.5 s "
    "(FEEDGATE_UPSTREAM_READ_TIMEOUT). If the model needs longer, ask the gateway's operator to raise that setting."
)


class CountedFailures:
    """The proxy's metrics, keeping the kinds of upstream failure it counts."""

    def __init__(self) -> None:
        self.kinds: list[str] = []

    def upstream_failed(self, upstream: str, kind: str) -> None:
        self.kinds.append(kind)

    def record(self, *_: Any) -> None:
        return None


async def test_an_answer_whose_body_goes_silent_counts_as_a_timeout(silent_after_headers_url):
    counted = CountedFailures()
    upstream_client = CLIENTS["aiohttp"]()
    proxy = passthrough_proxy(silent_after_headers_url, upstream_client, lambda _: None, metrics=counted)
    try:
        await post_chat(proxy)
    finally:
        await upstream_client.aclose()

    assert counted.kinds == ["timeout"]
