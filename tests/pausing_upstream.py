"""An upstream on a real socket that holds back the rest of its answer, and a client that sees each message as sent.

For the proxy's streaming tests: whether an answer reaches the app as it arrives, or whole at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
from proxy_in_process import passthrough_proxy, raw_upstream

from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

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

    Chunked, under `content_type` (None: no content type), with `headers` (header lines, each ending in CRLF).
    """

    def __init__(
        self, content_type: str | None, first: Sequence[bytes] = (FIRST,), rest: bytes = REST, headers: bytes = b""
    ) -> None:
        self.content_type = content_type
        self.first, self.rest = first, rest
        self.headers = headers
        self.release = asyncio.Event()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        named = b"" if self.content_type is None else b"content-type: " + self.content_type.encode() + b"\r\n"
        writer.write(b"HTTP/1.1 200 OK\r\n" + named + self.headers + b"transfer-encoding: chunked\r\n\r\n")
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


@contextlib.asynccontextmanager
async def serving(
    upstream: PausingUpstream, client: UpstreamClient, submitted: list[Exchange]
) -> AsyncIterator[ProxyApp]:
    """The proxy in front of `upstream` on a real socket, through `client`, its calls' records put in `submitted`."""
    async with raw_upstream(upstream.answer) as url:
        try:
            yield passthrough_proxy(url, client, submitted.append)
        finally:
            upstream.release.set()
