"""Relaying a streamed answer: what a finished stream leaves behind (the client leaving is in test_sdk_end_to_end)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from gateway.proxy.relay import UpstreamBrokeOff, relay_stream
from gateway.proxy.upstream import UpstreamFailed
from gateway.recording.exchange import Answer

CHUNKS = [b'data: {"choices":[{"delta":{"content":"Par"}}]}\n\n', b'data: {"choices":[{"delta":{"content":"is"}}]}\n\n']


class CannedStream:
    """An upstream answer that streams a few SSE chunks."""

    status_code = 200
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()

    def header(self, name: str) -> str:
        return "text/event-stream" if name == "content-type" else ""

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        for chunk in CHUNKS:
            yield chunk

    async def aclose(self) -> None:
        return None


class Connection:
    """One client connection's receive and send; `wakes_on_completion` as uvicorn and httpx's ASGI transport do."""

    def __init__(self, *, wakes_on_completion: bool) -> None:
        self._wakes = wakes_on_completion
        self._complete = asyncio.Event()
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self._wakes:
            await self._complete.wait()
        else:
            await asyncio.Event().wait()  # a server that answers only when the client goes
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self._complete.set()


async def relay_one(connection: Connection) -> Answer:
    answer = Answer()
    await relay_stream(CannedStream(), answer, connection.receive, connection.send, started=0.0, upstream="default")
    for _ in range(3):  # let the watcher's last steps run
        await asyncio.sleep(0)
    return answer


async def test_a_stream_is_relayed_whole_and_kept_for_the_record():
    connection = Connection(wakes_on_completion=True)

    answer = await relay_one(connection)

    assert [m.get("body") for m in connection.sent] == [*CHUNKS, b""]
    assert answer.body_chunks == CHUNKS
    assert not answer.partial


async def test_a_finished_stream_leaves_no_reference_cycles_for_the_collector():
    # A cancelled watcher left its CancelledError, traceback and the request's objects in a cycle:
    # about 30 objects a stream that only the garbage collector could free.
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            await relay_one(Connection(wakes_on_completion=True))
        unreachable = gc.collect()
    finally:
        gc.enable()

    assert unreachable < 50


async def test_the_watcher_is_stopped_even_when_the_server_does_not_wake_it():
    before = asyncio.all_tasks()

    await relay_one(Connection(wakes_on_completion=False))

    assert asyncio.all_tasks() == before


class BrokenStream(CannedStream):
    """An upstream answer that breaks off after `chunks`."""

    def __init__(self, chunks: list[bytes], *, timed_out: bool = False) -> None:
        self.chunks = chunks
        self.timed_out = timed_out

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.timed_out:
            raise UpstreamFailed(TimeoutError(), timed_out=True, url=None, waits=(10.0, 600.0))
        raise UpstreamFailed(ConnectionResetError("reset by peer"), timed_out=False, url=None)


async def relay_broken(chunks: list[bytes], *, timed_out: bool = False) -> tuple[Connection, Answer]:
    connection = Connection(wakes_on_completion=True)
    answer = Answer()
    with pytest.raises(UpstreamBrokeOff):
        stream = BrokenStream(chunks, timed_out=timed_out)
        await relay_stream(stream, answer, connection.receive, connection.send, 0.0, "openai")
    return connection, answer


async def test_an_upstream_that_breaks_off_between_events_gets_the_client_an_error_event_naming_it():
    connection, _ = await relay_broken(CHUNKS)

    *relayed, last = [m["body"] for m in connection.sent]
    assert relayed == CHUNKS
    assert last.startswith(b"data: ") and last.endswith(b"\n\n")
    error = orjson.loads(last[len(b"data: ") :])["error"]
    assert error["code"] == "upstream_broke_off"
    assert error["message"].startswith("Upstream 'openai' broke off its answer")
    assert all(m.get("more_body") for m in connection.sent)  # the connection is then cut, never ended cleanly


async def test_a_stream_the_upstream_stops_sending_ends_with_an_error_event_saying_the_wait_ran_out():
    # The code an answer that is not a stream gets for the same failure (its 504's), and the same words.
    connection, answer = await relay_broken(CHUNKS, timed_out=True)

    error = orjson.loads(connection.sent[-1]["body"][len(b"data: ") :])["error"]
    assert error["code"] == "upstream_timeout"
    assert error["message"] == answer.error
    assert error["message"].startswith(
        "Upstream 'openai' stopped sending its answer: nothing more of it arrived within 600 s"
    )


async def test_the_error_event_is_not_part_of_the_recorded_answer():
    _, answer = await relay_broken(CHUNKS)

    assert answer.body_chunks == CHUNKS
    assert answer.partial
    assert "broke off" in (answer.error or "")


async def test_an_upstream_that_breaks_off_inside_an_event_gets_no_error_event_appended_to_its_half():
    # The half event, ended, would reach the client as an event with broken data: better only cut.
    half = [CHUNKS[0], b'data: {"choices":[{"del']

    connection, _ = await relay_broken(half)

    assert [m["body"] for m in connection.sent] == half


async def test_an_event_whose_blank_line_came_in_a_chunk_of_its_own_still_gets_the_error_event_after_it():
    # The network may split an event anywhere, also between the two newlines that end it.
    split = [CHUNKS[0], CHUNKS[1][:-1], b"\n"]

    connection, _ = await relay_broken(split)

    *relayed, last = [m["body"] for m in connection.sent]
    assert relayed == split
    assert orjson.loads(last[len(b"data: ") :])["error"]["code"] == "upstream_broke_off"


async def test_an_upstream_that_breaks_off_after_a_crlf_half_blank_line_gets_no_error_event():
    # "\r\n" then "\r": the event's blank line is not complete, an event added now would join it.
    split = [CHUNKS[0], CHUNKS[1][:-2] + b"\r\n", b"\r"]

    connection, _ = await relay_broken(split)

    assert [m["body"] for m in connection.sent] == split


async def test_an_upstream_that_breaks_off_before_any_event_gets_the_client_the_error_event():
    connection, _ = await relay_broken([])

    assert [orjson.loads(m["body"][len(b"data: ") :])["error"]["code"] for m in connection.sent] == [
        "upstream_broke_off"
    ]
