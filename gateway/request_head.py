"""uvicorn's httptools protocol with a bound on a request's head (its request line and headers).

httptools buffers a request's head however long it grows: a client that sent one 200 MB header
took a gateway process from 131 MB to 766 MB of memory. This protocol counts the bytes that
arrive while a head is incomplete and, past MAX_REQUEST_HEAD_BYTES, answers 431 with an
OpenAI-style error and reads nothing more into memory: what the client still sends is dropped
until it stops (it may send its whole request before reading the answer) or LINGER_SECONDS pass.

The count is kept per read (never per byte), so the proxy's hot path pays one comparison a read.
"""

from __future__ import annotations

import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.errors import openai_error_body

# As large as any real client's head needs (OpenAI's SDKs send ~1 KB; nginx allows 32 KB, Node 16 KB).
MAX_REQUEST_HEAD_BYTES = 64 * 1024
# How long a refused client may keep sending before the connection is closed under it.
LINGER_SECONDS = 5.0

logger = logging.getLogger("feedgate")


class BoundedHeadProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses a request line and headers longer than MAX_REQUEST_HEAD_BYTES with a 431."""

    _awaiting_head = True
    _head_bytes = 0
    _heads_completed = 0
    _refused = False

    def data_received(self, data: bytes) -> None:
        """Feed the parser; refuse the request once its unfinished head passes the bound."""
        if self._refused:
            return  # dropped: the answer is on its way and nothing more is parsed
        # Only a read spent wholly on one unfinished head is counted: one that also ended a body or
        # a head (pipelined requests) is not, so the bound gets at most one read's slack and never
        # counts another request's bytes.
        awaiting, heads = self._awaiting_head, self._heads_completed
        super().data_received(data)
        if awaiting and self._awaiting_head and heads == self._heads_completed:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_REQUEST_HEAD_BYTES:
                self._refuse()

    def on_headers_complete(self) -> None:
        """The head is whole: stop counting (the body has its own limit, max_request_bytes)."""
        self._awaiting_head = False
        self._head_bytes = 0
        self._heads_completed += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The request is whole: the next bytes on this connection start another head."""
        self._awaiting_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def _refuse(self) -> None:
        self._refused = True
        message = f"the request line and headers are longer than {MAX_REQUEST_HEAD_BYTES} bytes: send smaller headers"
        logger.warning("refused a request from %s: %s", self.client, message)
        body = openai_error_body(431, message, "request_header_fields_too_large")
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        # Half-close: the client, still sending, gets the answer and an end of stream, and its
        # remaining bytes are read and dropped rather than met with a reset that may lose the answer.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def eof_received(self) -> None:
        """The client stopped sending: after a refusal, that ends the connection."""
        if self._refused:
            self.transport.close()
            return
        super().eof_received()
