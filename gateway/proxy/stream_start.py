"""Telling a stream the upstream named otherwise (`text/plain`, no content type) by its first bytes, to relay it.

Only for a recorded call that asked for a stream and got an answer not named `text/event-stream` as usual:
its first bytes are read (until they tell, see gateway.recording.stream_rule.start_undecided) and judged by
the rule the recording uses, and the answer is then read from its start again, those bytes first. A compressed
answer (`content-encoding: gzip`…) is judged by its first bytes decoded (a copy: the client gets them as they came),
as a server that compresses a stream flushes each event; one whose start decodes to nothing in MAX_CODED_START
bytes, or in a coding Feedgate cannot undo, is read as no stream (whole), as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from gateway.proxy.upstream import UpstreamResponse
from gateway.recording.content_coding import UnreadableCoding, decoded_content
from gateway.recording.stream_rule import LOOKED_AT_BYTES, named_event_stream, reads_as_stream, start_undecided

# The most of a compressed answer's coded start read to tell whether it is a stream (its events are flushed as
# they are sent, so their start decodes within a chunk or two; a coder that holds back output never tells).
MAX_CODED_START = 64 * 1024


class _ReadAgain:
    """An upstream's answer whose first chunks were read already: they come first, then the rest as it arrives."""

    __slots__ = ("_first", "_response", "_rest", "headers", "raw_headers", "status_code")

    def __init__(self, response: UpstreamResponse, first: list[bytes], rest: AsyncIterator[bytes]) -> None:
        self._response = response
        self._first = first
        self._rest = rest
        self.status_code = response.status_code
        self.raw_headers: Sequence[tuple[bytes, bytes]] = response.raw_headers
        self.headers = response.headers

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
    coding = response.header("content-encoding")
    rest = response.aiter_raw()
    first: list[bytes] = []
    start = raw = b""
    async for chunk in rest:
        first.append(chunk)
        raw += chunk
        if coding in ("", "identity"):
            start = raw
        else:
            decoded = decoded_start(raw, coding)
            if decoded is None or len(raw) >= MAX_CODED_START:
                start = decoded or b""
                break
            start = decoded
        if not start_undecided(start):
            break
    return _ReadAgain(response, first, rest), reads_as_stream(content_type, True, start)


def decoded_start(coded: bytes, content_encoding: str) -> bytes | None:
    """The first bytes of a compressed answer's start `coded`, decoded as far as they go; None if they cannot be.

    None: a coding Feedgate cannot undo, or corrupt bytes: no more of them would tell.
    """
    try:
        decoded = decoded_content(coded, content_encoding, keep_cut_off=True, max_bytes=LOOKED_AT_BYTES)
    except UnreadableCoding:
        return None
    return decoded.body
