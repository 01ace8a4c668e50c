"""Telling a stream the upstream named otherwise (`text/plain`, no content type) by its first bytes, to relay it.

Only for a recorded call that asked for a stream and got an answer not named `text/event-stream` as usual:
its first bytes are read (until they tell, see gateway.recording.stream_rule.start_undecided) and judged by
the rule the recording uses, and the answer is then read from its start again, those bytes first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from gateway.proxy.upstream import UpstreamResponse
from gateway.recording.stream_rule import named_event_stream, reads_as_stream, start_undecided


class _ReadAgain:
    """An upstream's answer whose first chunks were read already: they come first, then the rest as it arrives."""

    __slots__ = ("_first", "_response", "_rest", "raw_headers", "status_code")

    def __init__(self, response: UpstreamResponse, first: list[bytes], rest: AsyncIterator[bytes]) -> None:
        self._response = response
        self._first = first
        self._rest = rest
        self.status_code = response.status_code
        self.raw_headers: Sequence[tuple[bytes, bytes]] = response.raw_headers

    def header(self, name: str) -> str:
        return self._response.header(name)

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        first, self._first = self._first, []
        for chunk in first:
            yield chunk
        async for chunk in self._rest:  # (an answer that ended within its first chunks has nothing left)
            yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


async def stream_or_not(response: UpstreamResponse, content_type: str) -> tuple[UpstreamResponse, bool]:
    """Whether the answer to a call that asked for a stream is one, and the answer to read on from its start.

    Raises UpstreamFailed if the upstream breaks off in its first bytes (nothing has reached the client yet).
    """
    if named_event_stream(content_type):  # `Text/Event-Stream`, or with parameters first: the name tells
        return response, True
    rest = response.aiter_raw()
    first: list[bytes] = []
    start = b""
    async for chunk in rest:
        first.append(chunk)
        start += chunk
        if not start_undecided(start):
            break
    return _ReadAgain(response, first, rest), reads_as_stream(content_type, True, start)
