"""uvicorn's httptools protocol with bounds on how big a request's head may be and how slowly a request may arrive.

Size: httptools buffers a request's head (request line and headers) however long it grows: a
client that sent one 200 MB header took a gateway process from 131 MB to 766 MB of memory. This
protocol counts the bytes that arrive while a head is incomplete and, past MAX_REQUEST_HEAD_BYTES,
answers 431 with an OpenAI-style error and reads nothing more into memory: what the client still
sends is dropped until it stops (it may send its whole request before reading the answer) or
LINGER_SECONDS pass. A head that arrives whole in one read (up to 256 KiB) is measured once parsed,
by its URL and header lines, and refused the same way before the app sees it (the app answered a
100 KB header 401, for the key it did not find).

Time: uvicorn closes a connection only when it has been idle *between* requests; one that never
sends a byte, or trickles a head or a body a few bytes at a time, was held for as long as the
client liked, and about a thousand of them exhaust a process's file descriptors (the usual limit
is 1,024) so that nobody else is answered. Here a connection must deliver a request's head within
`head_timeout` seconds (of the connection opening, or of the head's first byte on a kept-alive
connection), and a body must arrive at `body_min_rate` bytes a second on average after a grace of
`head_timeout` seconds (as Kestrel's minimum data rate does: a slow mobile client passes, a drip
does not). Past either, the gateway answers 408 with an OpenAI-style error and closes; a connection
that never sent a byte is closed without an answer.

On the feedback path, both answers carry the CORS headers every other answer there does
(gateway.api.cors): a page posting feedback reads the error instead of "Failed to fetch".

The hot path pays one comparison per read, one timer per connection (none per request on a
kept-alive connection whose requests arrive whole) and no clock read unless a body arrives in pieces.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.api.cors import FEEDBACK_PATHS, cors_headers, cors_headers_before_the_head
from gateway.api.security_headers import SAME_ORIGIN_LINES
from gateway.config import Settings
from gateway.errors import openai_error_body
from gateway.observability.metrics import (
    CLOSED_BODY_TOO_SLOW,
    CLOSED_HEAD_TIMEOUT,
    CLOSED_HEAD_TOO_LARGE,
    CLOSED_SILENT,
    record_connection_closed,
)
from gateway.request_ids import request_id_line

# As large as any real client's head needs (OpenAI's SDKs send ~1 KB; nginx allows 32 KB, Node 16 KB).
MAX_REQUEST_HEAD_BYTES = 64 * 1024
# How long a refused client may keep sending before the connection is closed under it.
LINGER_SECONDS = 5.0

logger = logging.getLogger("feedgate")


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """How long a request's head may take to arrive, and how slowly its body may."""

    head_timeout: float
    body_min_rate: float
    # FEEDGATE_CORS_ORIGINS: the pages that may read the answers on the feedback path, these too.
    cors_origins: tuple[str, ...] = ()


def bounded_protocol(settings: Settings) -> Callable[..., BoundedRequestProtocol]:
    """uvicorn's `http` option: the bounded protocol with the settings' limits (picklable, for spawned workers)."""
    limits = RequestLimits(settings.request_head_timeout, settings.request_body_min_rate, tuple(settings.cors_origins))
    return functools.partial(BoundedRequestProtocol, limits=limits)


class BoundedRequestProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses oversized heads (431) and requests that arrive too slowly (408)."""

    _awaiting_head = True
    _head_bytes = 0
    # The parsed request line's URL and header lines, each as sent (name, ": ", value, CRLF).
    _parsed_head_bytes = 0
    _heads_completed = 0
    _refused = False
    _deadline: asyncio.TimerHandle | None = None
    _body_started = 0.0
    _body_bytes = 0

    def __init__(self, *args: Any, limits: RequestLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection has `head_timeout` seconds to deliver its first request's head."""
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the pending deadline with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed the parser; refuse a head past the size bound, and start the clock on a request still incomplete."""
        if self._refused:
            return  # dropped: the answer is on its way and nothing more is parsed
        # Only a read spent wholly on one unfinished head is counted: one that also ended a body or
        # a head (pipelined requests) is not, so the bound gets at most one read's slack and never
        # counts another request's bytes.
        awaiting, heads = self._awaiting_head, self._heads_completed
        super().data_received(data)
        if self._refused:
            return  # the parsed head was past the bound (on_headers_complete)
        if awaiting and self._awaiting_head and heads == self._heads_completed:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_REQUEST_HEAD_BYTES:
                self._refuse()
                return
        elif not self._awaiting_head:
            # A read that left the body incomplete (it may hold some of the head: a floor, not a meter);
            # the body's clock starts at the first, so requests that arrive whole never read the clock.
            if not self._body_bytes:
                self._body_started = self.loop.time()
            self._body_bytes += len(data)
        else:
            # The read ended a request. A next head it began waits for uvicorn's keep-alive timer,
            # which starts once the answer is out.
            return
        if self._deadline is None:
            self._arm()

    def on_message_begin(self) -> None:
        """A request begins: its head is measured from nothing."""
        self._parsed_head_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        """Count the URL (httptools may give it in pieces) toward the head's size."""
        self._parsed_head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count the header line toward the head's size."""
        self._parsed_head_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is whole: refuse it past the bound, else stop counting it; the body is counted from here."""
        if self._refused:
            return  # a request pipelined behind a refused one
        if self._parsed_head_bytes > MAX_REQUEST_HEAD_BYTES:
            # Arrived whole in one read, which data_received does not count: the app must not see it.
            self._refuse()
            return
        self._awaiting_head = False
        self._head_bytes = 0
        self._heads_completed += 1
        self._body_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Hand the body to the app, unless its head was refused (no app is waiting for it)."""
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """The request is whole: the next bytes on this connection start another head, with a clock of its own."""
        if self._refused:
            return
        self._awaiting_head = True
        self._head_bytes = 0
        self._disarm()
        super().on_message_complete()

    def _check_progress(self) -> None:
        """The deadline passed: close a connection whose request is overdue, or wait on until it would be."""
        self._deadline = None
        if self._refused or self.transport.is_closing():
            return
        limits = self._limits
        if self._awaiting_head:
            if self._head_bytes == 0:
                record_connection_closed(CLOSED_SILENT)
                self.transport.close()  # connected and never asked anything
            elif self.cycle is not None and not self.cycle.response_complete:
                # A pipelined head waits for the answer before it; its clock restarts.
                self._arm()
            else:
                reason = f"the request's headers did not arrive whole within {limits.head_timeout:g} s"
                self._time_out(reason, CLOSED_HEAD_TIMEOUT)
            return
        if self.flow.read_paused:
            # Paused reading is the app's doing (it has not read what came), never the client's.
            self._arm()
            return
        due = self._body_started + limits.head_timeout + self._body_bytes / limits.body_min_rate
        if self.loop.time() < due:
            self._deadline = self.loop.call_at(due, self._check_progress)
            return
        self._time_out(
            f"the request body arrived slower than {limits.body_min_rate:g} bytes a second", CLOSED_BODY_TOO_SLOW
        )

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self._limits.head_timeout, self._check_progress)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _time_out(self, reason: str, counted_as: str) -> None:
        logger.warning("closed a connection from %s: %s", self.client, reason)
        record_connection_closed(counted_as)
        if self.cycle is None or not self.cycle.response_started:
            message = f"{reason}: send the whole request without pausing"
            self._write_answer(HTTPStatus.REQUEST_TIMEOUT, message, "request_timeout")
        # The app, if it is waiting for the body, hears that the client is gone (connection_lost).
        self.transport.close()

    def _refuse(self) -> None:
        self._refused = True
        self._disarm()
        message = f"the request line and headers are longer than {MAX_REQUEST_HEAD_BYTES} bytes: send smaller headers"
        logger.warning("refused a request from %s: %s", self.client, message)
        record_connection_closed(CLOSED_HEAD_TOO_LARGE)
        self._write_answer(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, message, "request_header_fields_too_large")
        # Half-close: the client, still sending, gets the answer and an end of stream, and its
        # remaining bytes are read and dropped rather than met with a reset that may lose the answer.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _write_answer(self, status: HTTPStatus, message: str, code: str) -> None:
        body = openai_error_body(status, message, code)
        self.transport.write(
            f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode() + b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n" + SAME_ORIGIN_LINES + self._cors_lines() +
            request_id_line() + b"connection: close\r\n\r\n" + body
        )  # fmt: skip

    def _cors_lines(self) -> bytes:
        """The CORS header lines the app puts on every answer on the feedback path, for this one too."""
        headers = self.headers or []  # what the parser has read of the head so far (None before any request)
        if self._awaiting_head:
            if not headers:
                return b""  # the request line may be incomplete: its path is not known
            try:
                path = urllib.parse.unquote(httptools.parse_url(self.url).path.decode("latin-1"))
            except httptools.HttpParserInvalidURLError:
                return b""
        else:
            path = self.scope["path"]
        if path not in FEEDBACK_PATHS:
            return b""
        origin = next((value.decode("latin-1") for name, value in headers if name == b"origin"), None)
        if self._awaiting_head:
            added = cors_headers_before_the_head(origin, self._limits.cors_origins)
        else:
            added = cors_headers(origin, self._limits.cors_origins)
        return b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in added.items())

    def eof_received(self) -> None:
        """The client stopped sending: after a refusal, that ends the connection."""
        if self._refused:
            self.transport.close()
            return
        super().eof_received()
