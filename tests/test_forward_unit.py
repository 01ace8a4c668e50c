"""ProxyApp on its own, with the upstream mocked by respx: failure mapping and what is sent where."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import brotli
import httpx
import orjson
import pytest
import respx
from proxy_in_process import passthrough_proxy

from gateway.proxy.forward import UpstreamBrokeOff
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream
from gateway.recording.content_coding import MAX_DECODED_BYTES
from gateway.recording.exchange import Exchange
from gateway.recording.record import build_interaction_row

UPSTREAM = "https://llm.example/v1"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def proxy(submitted):
    upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    try:
        yield passthrough_proxy(
            UPSTREAM,
            upstream,
            submitted.append,
            identity_headers=lambda interaction_id, end_user: [(b"x-extra", interaction_id.encode())],
        )
    finally:
        await upstream.aclose()


@pytest.fixture
async def proxy_client(proxy):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        yield client


@respx.mock
async def test_read_timeout_becomes_504_in_openais_format(proxy_client, submitted):
    respx.post(f"{UPSTREAM}/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))

    response = await proxy_client.post("/v1/chat/completions", json=CHAT)

    assert response.status_code == 504
    assert response.json()["error"]["message"] == (
        "Upstream 'default' did not answer within 5 s (FEEDGATE_UPSTREAM_READ_TIMEOUT). "
        "If the model needs longer, ask the gateway's operator to raise that setting."
    )
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


class ClientConnection:
    """One client's ASGI receive and send, watched as the answer arrives (httpx's ASGI transport waits for it whole)."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._done = asyncio.Event()
        self.sent: list[dict[str, Any]] = []
        self.first_bytes = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        await self._done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message.get("body"):
            self.first_bytes.set()
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self._done.set()

    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def post_scope(path: str) -> dict[str, Any]:
    headers = [(b"content-type", b"application/json"), (b"authorization", b"Bearer sk-app")]
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
    }


@respx.mock
async def test_an_answer_that_is_not_recorded_reaches_the_client_as_it_arrives(proxy):
    # Speech audio is played as it comes, and a large file download must not wait whole in the gateway's memory.
    rest_may_come = asyncio.Event()

    async def audio() -> AsyncIterator[bytes]:
        yield b"first frames"
        await rest_may_come.wait()
        yield b", the rest"

    headers = {"content-type": "audio/mpeg"}
    respx.post(f"{UPSTREAM}/audio/speech").mock(return_value=httpx.Response(200, headers=headers, content=audio()))
    connection = ClientConnection(b'{"model": "gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}')

    call = asyncio.create_task(proxy(post_scope("/v1/audio/speech"), connection.receive, connection.send))
    try:
        await asyncio.wait_for(connection.first_bytes.wait(), 2)
        assert connection.body() == b"first frames"
    finally:
        rest_may_come.set()
        await asyncio.wait_for(call, 5)

    assert connection.sent[0]["status"] == 200
    assert connection.body() == b"first frames, the rest"


@respx.mock
async def test_an_answer_that_is_not_recorded_broken_off_is_cut_with_no_error_event_added_to_its_bytes(proxy):
    async def download() -> AsyncIterator[bytes]:
        yield b'{"custom_id": "request-1"}\n\n'  # a JSONL line and a blank one: no event stream, whatever it ends in
        raise httpx.ReadError("connection reset")

    headers = {"content-type": "application/octet-stream"}
    respx.get(f"{UPSTREAM}/files/file-1/content").mock(
        return_value=httpx.Response(200, headers=headers, content=download())
    )
    connection = ClientConnection(b"")
    scope = {**post_scope("/v1/files/file-1/content"), "method": "GET"}

    with pytest.raises(UpstreamBrokeOff):
        await proxy(scope, connection.receive, connection.send)

    assert connection.body() == b'{"custom_id": "request-1"}\n\n'
    assert all(m.get("more_body") for m in connection.sent[1:])  # never ended cleanly: the client sees the cut


async def test_a_request_that_expects_100_continue_does_not_wait_for_the_upstreams_100(submitted):
    # curl sends `Expect: 100-continue` with a large body; the gateway's server has met it and read the body.
    # An upstream that never sends 100 (it need not, RFC 9110) left aiohttp waiting for it for good.
    async def answer_without_100(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_without_100, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    upstream = AiohttpUpstream(max_connections=2, connect_timeout=5.0, read_timeout=5.0)
    proxy = passthrough_proxy(f"http://127.0.0.1:{port}/v1", upstream, submitted.append)
    connection = ClientConnection(b'{"model": "gpt-4o-mini", "messages": []}')
    scope = post_scope("/v1/chat/completions")
    scope["headers"] = [*scope["headers"], (b"expect", b"100-continue")]
    try:
        await asyncio.wait_for(proxy(scope, connection.receive, connection.send), 3)
    finally:
        await upstream.aclose()
        server.close()

    assert connection.sent[0]["status"] == 200
    assert connection.body() == b"{}"


async def through_raw_upstream(answer: bytes, client_kind: str, submitted: list[Exchange]) -> ClientConnection:
    """One chat call through the proxy to an upstream on a socket that answers `answer` (a whole HTTP answer)."""

    async def respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
        await reader.readexactly(length)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(respond, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if client_kind == "aiohttp":
        upstream: AiohttpUpstream | HttpxUpstream = AiohttpUpstream(
            max_connections=2, connect_timeout=5.0, read_timeout=5.0
        )
    else:
        upstream = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    proxy = passthrough_proxy(f"http://127.0.0.1:{port}/v1", upstream, submitted.append)
    connection = ClientConnection(b'{"model": "gpt-4o-mini", "messages": []}')
    try:
        await asyncio.wait_for(proxy(post_scope("/v1/chat/completions"), connection.receive, connection.send), 3)
    finally:
        await upstream.aclose()
        server.close()
    return connection


@pytest.mark.parametrize("client_kind", ["aiohttp", "httpx"])
async def test_headers_the_upstreams_connection_header_names_are_not_relayed(submitted, client_kind):
    # RFC 9110 7.6.1: a header the Connection header names is for that hop alone, never passed on.
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
        b"Connection: keep-alive, X-Upstream-Hop\r\nX-Upstream-Hop: lb-7\r\nx-kept: yes\r\n\r\n{}"
    )

    connection = await through_raw_upstream(answer, client_kind, submitted)

    relayed = dict(connection.sent[0]["headers"])
    assert b"x-upstream-hop" not in relayed
    assert relayed[b"x-kept"] == b"yes"
    assert connection.body() == b"{}"


@pytest.mark.parametrize("client_kind", ["aiohttp", "httpx"])
async def test_an_answer_in_stacked_codings_reaches_the_client_untouched_and_is_recorded_decoded(
    submitted, client_kind
):
    text = "Bonjour"
    coded = brotli.compress(gzip.compress(orjson.dumps({"id": "c-1", "choices": [{"message": {"content": text}}]})))
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip, br\r\n"
        b"content-length: " + str(len(coded)).encode() + b"\r\n\r\n" + coded
    )

    connection = await through_raw_upstream(answer, client_kind, submitted)

    assert connection.body() == coded
    assert dict(connection.sent[0]["headers"])[b"content-encoding"] == b"gzip, br"
    assert build_interaction_row(submitted[0])["response_text"] == text


@pytest.mark.parametrize("client_kind", ["aiohttp", "httpx"])
async def test_a_compression_bomb_reaches_the_client_as_sent_and_is_recorded_only_to_the_bound(submitted, client_kind):
    compressor = zlib.compressobj(1, wbits=31)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(b'{"pad": "'), *(compressor.compress(zeros) for _ in range(MAX_DECODED_BYTES >> 20))]
    coded = b"".join([*parts, compressor.compress(b'x"}'), compressor.flush()])
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        b"content-length: " + str(len(coded)).encode() + b"\r\n\r\n" + coded
    )

    connection = await through_raw_upstream(answer, client_kind, submitted)

    assert connection.body() == coded
    row = build_interaction_row(submitted[0])
    assert row["partial"] is True
    assert "decodes to more than 128 MiB" in row["error"]


@pytest.mark.parametrize("client_kind", ["aiohttp", "httpx"])
async def test_stacked_codings_named_on_separate_header_lines_are_all_undone(submitted, client_kind):
    # RFC 9110 5.3: header lines of one name are one list, as if joined by commas.
    text = "Bonjour"
    coded = brotli.compress(gzip.compress(orjson.dumps({"id": "c-1", "choices": [{"message": {"content": text}}]})))
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-encoding: br\r\n"
        b"content-length: " + str(len(coded)).encode() + b"\r\n\r\n" + coded
    )

    connection = await through_raw_upstream(answer, client_kind, submitted)

    assert connection.body() == coded
    assert build_interaction_row(submitted[0])["response_text"] == text
