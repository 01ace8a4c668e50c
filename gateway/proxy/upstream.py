"""Sending one request to an upstream and reading its answer, raw, for the proxy.

Two clients behind one small contract. `AiohttpUpstream` drives aiohttp's connection
pool directly and is the default: on benchmarks/proxy_latency.py it cut the gateway's
CPU per request at 32 connections from 541 µs to 369-465 µs (three runs), and raised
throughput from 2,096 to 2,557-3,292 req/s, against the same pool reached through
httpx's request and response models (building `httpx.Request` alone was a fifth of the
event loop's time in py-spy). `HttpxUpstream` sends through any httpx transport: httpx's own
(`upstream_http_client = "httpx"`, which honours proxy environment variables), or a
mocked one in unit tests (respx).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Container, Sequence
from typing import TYPE_CHECKING, Protocol

import aiohttp
import httpx
from yarl import URL

from gateway.proxy.headers import header_text
from gateway.proxy.read_timeouts import READ_SETTING, LongerRead
from gateway.proxy.upstream_failures import failure_words
from gateway.url_text import with_urls_shown

if TYPE_CHECKING:
    from gateway.config import Settings

Headers = list[tuple[bytes, bytes]]
# A request body: whole, or (a call's upload past the gateway's limit, not recorded) as it arrives.
Body = bytes | AsyncIterator[bytes]

__all__ = ["AiohttpUpstream", "Headers", "HttpxUpstream", "UpstreamClient", "UpstreamFailed", "UpstreamResponse"]


class UpstreamFailed(Exception):
    """The upstream could not be reached, did not answer in time, or broke off its answer.

    Its text is what happened in plain words, the same whichever client sent the request
    (gateway.proxy.upstream_failures); `technical` keeps the client library's own account,
    class name included, for the server's log.
    """

    def __init__(
        self,
        cause: BaseException,
        *,
        timed_out: bool,
        url: str | None,
        waits: tuple[float, float] | None = None,
        read_set_by: str = READ_SETTING,
    ) -> None:
        # `url`: the request's, when it failed before any answer came; None once the answer had begun.
        # `waits`: the client's connect and read timeouts, named in the words when one ran out, with what set the read's.
        self.words = failure_words(cause, timed_out=timed_out, url=url, waits=waits, read_set_by=read_set_by)
        super().__init__(self.words.what or self.words.lead)
        self.timed_out = timed_out
        # aiohttp's account of an answer it could not read quotes the request's URL, a key in its query too.
        self.technical = with_urls_shown(f"{type(cause).__name__}: {cause}")

    def message(self, upstream: str) -> str:
        """The error message for the app, e.g. "Upstream 'openai' could not be reached: ..."."""
        return self.words.message(upstream)

    def cut_short(self) -> tuple[int, str]:
        """The status and code of this failure once the answer had begun: a wait that ran out, or a connection cut."""
        return (504, "upstream_timeout") if self.timed_out else (502, "upstream_broke_off")


class UpstreamResponse(Protocol):
    """An upstream's answer: status and headers at once, the body as it arrives."""

    status_code: int
    raw_headers: Sequence[tuple[bytes, bytes]]
    # The header names it carries, in any case: `"x-request-id" in headers` is one dict lookup.
    headers: Container[str]

    def header(self, name: str) -> str:
        """The value of header `name` (lower case), its lines joined by ", "; "" when absent."""
        ...

    def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive, not decompressed; raises UpstreamFailed if cut off."""
        ...

    async def aclose(self) -> None:
        """Give the connection back (or drop it, if the body was not read to the end)."""
        ...


class UpstreamClient(Protocol):
    """Sends requests upstream over a connection pool it owns."""

    async def send(
        self, method: str, url: str, headers: Headers, body: Body, longer_read: LongerRead | None = None
    ) -> UpstreamResponse:
        """Send a request and return once the answer's status and headers are in; raises UpstreamFailed.

        `longer_read`: a read timeout longer than the client's own for this request (the app's client waits longer).
        """
        ...

    async def aclose(self) -> None:
        """Close every pooled connection."""
        ...


# Raised by aiohttp for refused, reset and timed-out connections and cut-off bodies.
_AIOHTTP_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class _AiohttpResponse:
    __slots__ = ("_read_set_by", "_response", "_waits", "headers", "raw_headers", "status_code")

    def __init__(self, response: aiohttp.ClientResponse, waits: tuple[float, float], read_set_by: str) -> None:
        self._response = response
        self._waits = waits
        self._read_set_by = read_set_by
        self.status_code = response.status
        self.raw_headers: Sequence[tuple[bytes, bytes]] = response.raw_headers
        self.headers: Container[str] = response.headers

    def header(self, name: str) -> str:
        # Several lines of one header are one comma-separated list (RFC 9110 §5.3), as httpx joins them:
        # `Content-Encoding: gzip` then `Content-Encoding: br` is a stack of two codings.
        return ", ".join(self._response.headers.getall(name, ()))

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except _AIOHTTP_FAILURES as exc:
            timed_out = isinstance(exc, asyncio.TimeoutError)
            raise UpstreamFailed(
                exc, timed_out=timed_out, url=None, waits=self._waits, read_set_by=self._read_set_by
            ) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpUpstream:
    """aiohttp's pooled client, driven directly (see the module docstring for why)."""

    def __init__(
        self, *, max_connections: int, connect_timeout: float, read_timeout: float, keepalive_timeout: float = 4.0
    ) -> None:
        self._max_connections = max_connections
        self._keepalive_timeout = keepalive_timeout
        # sock_read bounds each wait for bytes, so a long stream that keeps talking never
        # times out; connect bounds the wait for a pooled connection as well.
        self._timeout = aiohttp.ClientTimeout(
            sock_connect=connect_timeout, sock_read=read_timeout, connect=read_timeout
        )
        self._waits = (connect_timeout, read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}

    def _open_session(self) -> aiohttp.ClientSession:
        # Created on first use: an aiohttp session belongs to the running event loop.
        connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=self._keepalive_timeout)
        return aiohttp.ClientSession(
            connector=connector,
            # Forward only what the client sent: no User-Agent or Accept-Encoding of our own, nor a Content-Type
            # (aiohttp named a body sent without one `application/octet-stream`).
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )

    def _url(self, url: str) -> URL:
        # encoded=True: the client's path and query go upstream byte for byte, unrequoted.
        # A handful of URLs recur, and parsing them showed in profiles.
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = URL(url, encoded=True)
            if len(self._urls) < 1024:  # bounded: query strings come from clients
                self._urls[url] = parsed
        return parsed

    async def send(
        self, method: str, url: str, headers: Headers, body: Body, longer_read: LongerRead | None = None
    ) -> UpstreamResponse:
        """Send through the pool; see `UpstreamClient.send`."""
        if self._session is None:
            self._session = self._open_session()
        # aiohttp writes header text as UTF-8 (its C writer and its Python one alike), so a value read as UTF-8
        # goes out byte for byte; read as Latin-1, a UTF-8 "é" (C3 A9) went out as C3 83 C2 A9. `decode()`,
        # no codec named, is also the cheapest read of an ASCII value (1.47 against 1.60 µs for 12 headers).
        # No text makes it write a byte that is not UTF-8 (its C writer drops surrogateescape's lone surrogates,
        # its Python one raises), so such a value goes as its Latin-1 characters in UTF-8: what a Latin-1
        # client (Node's fetch, browsers) meant, as Feedgate reads its own headers. httpx sends it as it came.
        try:
            fields = [(name.decode("latin-1"), value.decode()) for name, value in headers]
        except UnicodeDecodeError:
            fields = [(name.decode("latin-1"), header_text(value)) for name, value in headers]
        timeout, waits, read_set_by = self._timeout, self._waits, READ_SETTING
        if longer_read is not None:
            timeout = aiohttp.ClientTimeout(
                sock_connect=self._timeout.sock_connect, sock_read=longer_read.seconds, connect=self._timeout.connect
            )
            waits, read_set_by = (self._waits[0], longer_read.seconds), longer_read.set_by
        try:
            response = await self._session.request(
                method,
                self._url(url),
                headers=fields,
                data=body or None,
                allow_redirects=False,
                compress=False,
                timeout=timeout,
            )
        except _AIOHTTP_FAILURES as exc:
            timed_out = isinstance(exc, asyncio.TimeoutError)
            raise UpstreamFailed(exc, timed_out=timed_out, url=url, waits=waits, read_set_by=read_set_by) from exc
        return _AiohttpResponse(response, waits, read_set_by)

    async def aclose(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class _HttpxResponse:
    __slots__ = ("_read_set_by", "_response", "_waits", "headers", "raw_headers", "status_code")

    def __init__(self, response: httpx.Response, waits: tuple[float, float], read_set_by: str) -> None:
        self._response = response
        self._waits = waits
        self._read_set_by = read_set_by
        self.status_code = response.status_code
        self.raw_headers: Sequence[tuple[bytes, bytes]] = response.headers.raw
        self.headers: Container[str] = response.headers

    def header(self, name: str) -> str:
        value: str = self._response.headers.get(name, "")
        return value

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise UpstreamFailed(
                exc, timed_out=timed_out, url=None, waits=self._waits, read_set_by=self._read_set_by
            ) from exc

    async def aclose(self) -> None:
        await self._response.aclose()


class HttpxUpstream:
    """Sends through an httpx transport, called directly: no cookies, auth or redirects."""

    def __init__(self, transport: httpx.AsyncBaseTransport, *, connect_timeout: float, read_timeout: float) -> None:
        self._transport = transport
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout).as_dict()
        self._waits = (connect_timeout, read_timeout)

    async def send(
        self, method: str, url: str, headers: Headers, body: Body, longer_read: LongerRead | None = None
    ) -> UpstreamResponse:
        """Send through the transport; see `UpstreamClient.send`."""
        timeout, waits, read_set_by = self._timeout, self._waits, READ_SETTING
        if longer_read is not None:
            timeout = {**self._timeout, "read": longer_read.seconds}
            waits, read_set_by = (self._waits[0], longer_read.seconds), longer_read.set_by
        request = httpx.Request(method, url, headers=headers, content=body, extensions={"timeout": timeout})
        try:
            response = await self._transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise UpstreamFailed(exc, timed_out=timed_out, url=url, waits=waits, read_set_by=read_set_by) from exc
        return _HttpxResponse(response, waits, read_set_by)

    async def aclose(self) -> None:
        """Close the transport's pool."""
        await self._transport.aclose()


def create_upstream_client(settings: Settings) -> UpstreamClient:
    """The pooled HTTP client for upstream calls: aiohttp driven directly, or httpx's own transport."""
    if settings.upstream_http_client == "httpx":
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections, keepalive_expiry=settings.upstream_keepalive_timeout
        )
        return HttpxUpstream(
            httpx.AsyncHTTPTransport(limits=limits, trust_env=True),
            connect_timeout=settings.upstream_connect_timeout,
            read_timeout=settings.upstream_read_timeout,
        )
    return AiohttpUpstream(
        max_connections=settings.upstream_max_connections,
        keepalive_timeout=settings.upstream_keepalive_timeout,
        connect_timeout=settings.upstream_connect_timeout,
        read_timeout=settings.upstream_read_timeout,
    )
