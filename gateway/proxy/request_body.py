"""Reading a proxied call's request body whole, within the size limit, noticing a client that leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any


class ClientLeft(Exception):
    """The client disconnected before its request body was complete."""


class PastLimit:
    """A body longer than the limit: what was read of it, and the rest still to come (see `rest`)."""

    __slots__ = ("_first", "_more", "_receive", "length", "read_all")

    def __init__(self, receive: Callable[..., Any], first: list[bytes], more: bool, length: bytes | None) -> None:
        self._receive = receive
        self.length = length  # the client's Content-Length (digits), if it sent one
        self._first = first
        self._more = more
        # Set once the body has been read to its end (or the client left): the client's next message
        # is then no part of it, and a disconnect watcher may wait for it.
        self.read_all = asyncio.Event()

    def chunks(self) -> AsyncIterator[bytes]:
        """The whole body, as it arrives (once): raises ClientLeft if the client goes before its end."""
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            for part in self._first:
                yield part
            self._first = []
            while self._more:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    raise ClientLeft
                self._more = message.get("more_body", False)
                yield message.get("body", b"")
        finally:
            self.read_all.set()

    async def receive_after(self) -> dict[str, Any]:
        """The client's next message once the body is read: for a disconnect watcher, which must not take its parts."""
        await self.read_all.wait()
        message: dict[str, Any] = await self._receive()
        return message


async def read_body(receive: Callable[..., Any], content_length: bytes | None, limit: int) -> bytes | PastLimit:
    """The whole request body, or a PastLimit when it exceeds the size limit; raises ClientLeft if the client goes."""
    length = content_length if content_length is not None and content_length.isdigit() else None
    if length is not None and int(length) > limit:
        return PastLimit(receive, [], True, length)
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientLeft
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    size = len(body)
    while message.get("more_body"):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientLeft
        part = message.get("body", b"")
        size += len(part)
        parts.append(part)
        if size > limit:
            return PastLimit(receive, parts, message.get("more_body", False), length)
    return b"".join(parts)


def streamed(body: PastLimit, headers_out: list[tuple[bytes, bytes]]) -> AsyncIterator[bytes]:
    """A body past the limit as the upstream gets it: with the client's Content-Length, if it sent one."""
    if body.length is not None:
        headers_out.append((b"content-length", body.length))
    return body.chunks()
