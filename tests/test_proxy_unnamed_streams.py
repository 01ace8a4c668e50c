"""A stream the upstream names otherwise (`text/plain`, no content type, another case) is relayed as a stream.

The recording read such an answer as the stream it is (gateway.recording.record), but the proxy streamed only
an answer whose content type began `text/event-stream`: the app got every token at once, at the end. The proxy
now decides by the recording's own rule (gateway.recording.stream_rule). It runs in process in
front of an upstream on a real socket that sends its events with a pause, once with each upstream client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import pytest
from proxy_in_process import passthrough_proxy, raw_upstream

from gateway.proxy.forward import ProxyApp
from gateway.proxy.relay import GatewayStopped
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange
from gateway.recording.record import build_interaction_row

FIRST = b'data: {"id": "c-1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]}\n\n'
REST = (
    b'data: {"id": "c-1", "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]}\n\n'
    b"data: [DONE]\n\n"
)
STREAMED = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": true}'
NOT_STREAMED = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
PATIENCE = 5.0  # seconds: how long the first chunk may take, at most, while the upstream holds back the rest

CLIENTS: dict[str, Callable[[], UpstreamClient]] = {
    "aiohttp": lambda: AiohttpUpstream(max_connections=4, connect_timeout=5.0, read_timeout=10.0),
    "httpx": lambda: HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=10.0),
}


class PausingUpstream:
    """Answers with `first` (its pieces a moment apart), then waits for `release` before sending `rest`.

    Chunked, under `content_type` (None: no content type).
    """

    def __init__(self, content_type: str | None, first: Sequence[bytes] = (FIRST,), rest: bytes = REST) -> None:
        self.content_type = content_type
        self.first, self.rest = first, rest
        self.release = asyncio.Event()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        named = b"" if self.content_type is None else b"content-type: " + self.content_type.encode() + b"\r\n"
        writer.write(b"HTTP/1.1 200 OK\r\n" + named + b"transfer-encoding: chunked\r\n\r\n")
        for piece in self.first:
            writer.write(chunk(piece))
            await writer.drain()
            await asyncio.sleep(0.05)
        with contextlib.suppress(ConnectionError):  # the gateway may have gone (a shutdown)
            await self.release.wait()
            writer.write(chunk(self.rest) + b"0\r\n\r\n")
            await writer.drain()
            writer.close()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class Client:
    """One call to the proxy, driven as a server would: every message it sends, as it sends it."""

    def __init__(self, proxy: ProxyApp, body: bytes) -> None:
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v1/chat/completions",
            "raw_path": b"/v1/chat/completions",
            "query_string": b"",
            "headers": [(b"authorization", b"Bearer sk-a"), (b"content-length", str(len(body)).encode())],
        }
        requests = [{"type": "http.request", "body": body, "more_body": False}]
        self.gone = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if requests:
                return requests.pop()
            await self.gone.wait()
            return {"type": "http.disconnect"}

        self.task = asyncio.create_task(proxy(scope, receive, self.messages.put))

    async def next_body(self) -> bytes:
        """The next part of the answer's body that holds bytes."""
        while True:
            message = await asyncio.wait_for(self.messages.get(), PATIENCE)
            if message["type"] == "http.response.body" and message["body"]:
                return bytes(message["body"])

    async def rest(self) -> list[dict[str, Any]]:
        """Every message still to come, once the call is over."""
        await asyncio.wait_for(self.task, PATIENCE)
        self.gone.set()
        return [self.messages.get_nowait() for _ in range(self.messages.qsize())]


@pytest.fixture
def submitted() -> list[Exchange]:
    return []


@pytest.fixture(params=sorted(CLIENTS))
async def upstream_client(request: pytest.FixtureRequest) -> AsyncIterator[UpstreamClient]:
    client = CLIENTS[request.param]()
    yield client
    await client.aclose()


@pytest.fixture
def serve(upstream_client: UpstreamClient, submitted: list[Exchange]):
    """The proxy in front of `upstream` on a real socket."""

    @contextlib.asynccontextmanager
    async def serving(upstream: PausingUpstream) -> AsyncIterator[ProxyApp]:
        async with raw_upstream(upstream.answer) as url:
            try:
                yield passthrough_proxy(url, upstream_client, submitted.append)
            finally:
                upstream.release.set()

    return serving


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=utf-8", None, "Text/Event-Stream"])
async def test_a_stream_under_another_name_reaches_the_app_before_the_upstream_has_sent_it_all(serve, content_type):
    upstream = PausingUpstream(content_type)
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)

        first = await client.next_body()  # the upstream holds back the rest until released
        upstream.release.set()
        rest = await client.rest()

    assert first == FIRST
    assert b"".join(message.get("body", b"") for message in rest) == REST


async def test_a_stream_relayed_under_another_name_is_recorded_whole(serve, submitted):
    upstream = PausingUpstream("text/plain")
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        await client.next_body()
        upstream.release.set()
        await client.rest()

    row = build_interaction_row(submitted[0])
    assert (row["response_text"], row["finish_reason"], row["error"]) == ("Hello", "stop", None)


async def test_a_stream_whose_first_chunk_holds_only_the_start_of_a_field_is_relayed_as_a_stream(serve):
    # The first bytes tell nothing yet ("da" may be "data:"): the proxy reads on until they do.
    upstream = PausingUpstream("text/plain", first=[b"\xef\xbb\xbf\nda", FIRST[2:]])
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        first = await client.next_body()
        upstream.release.set()
        rest = await client.rest()

    assert first == b"\xef\xbb\xbf\nda"
    assert b"".join(message.get("body", b"") for message in rest) == FIRST[2:] + REST


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (STREAMED, b"upstream overloaded, try later"),  # a stream asked for, plain text that holds no events
        (NOT_STREAMED, FIRST),  # events to a call that asked for one JSON answer: not the rule's stream
    ],
)
async def test_an_answer_under_another_name_that_is_no_stream_of_the_call_is_sent_whole(serve, body, answer):
    upstream = PausingUpstream("text/plain", first=[answer[:10]], rest=answer[10:])
    async with serve(upstream) as proxy:
        client = Client(proxy, body)
        upstream.release.set()
        messages = await client.rest()

    bodies = [message for message in messages if message["type"] == "http.response.body"]
    assert [(message["body"], message["more_body"]) for message in bodies] == [(answer, False)]


async def test_a_stream_under_another_name_cut_by_a_shutdown_ends_in_an_error_event_not_a_second_answer(serve):
    upstream = PausingUpstream("text/plain")
    async with serve(upstream) as proxy:
        client = Client(proxy, STREAMED)
        await client.next_body()
        client.task.cancel()  # the server's graceful-shutdown timeout passed
        with pytest.raises(GatewayStopped):
            await client.task

    messages = [client.messages.get_nowait() for _ in range(client.messages.qsize())]
    assert [message["type"] for message in messages] == ["http.response.body"]
    assert b'"code":"gateway_shutting_down"' in messages[0]["body"]


async def test_an_upstream_that_breaks_off_before_its_first_bytes_tell_anything_is_a_502(upstream_client, submitted):
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(chunk(b"\n"))  # a blank line: nothing told yet
        await writer.drain()
        writer.close()

    async with raw_upstream(broken) as url:
        client = Client(passthrough_proxy(url, upstream_client, submitted.append), STREAMED)
        messages = await client.rest()

    assert [message.get("status") for message in messages if message["type"] == "http.response.start"] == [502]
    assert submitted[0].status_code == 502
