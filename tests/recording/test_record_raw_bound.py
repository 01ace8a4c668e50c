"""The answer kept for the record is bounded (MAX_RECORDED_BYTES): the client still gets every byte.

A large answer was kept whole, raw, until the writer stored it, and joined into a second whole copy
there, beside the decoded one: a 1 GB stream cost 2 GB in the writer.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from gateway.proxy.relay import read_whole, relay_stream
from gateway.recording.content_coding import MAX_DECODED_BYTES
from gateway.recording.exchange import MAX_RECORDED_BYTES, Answer, Exchange
from gateway.recording.record import build_interaction_row

from .sse_bodies import chat_chunk, sse

BOUND = 1000
CHAT_REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}


@pytest.fixture(autouse=True)
def small_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Answer, "max_kept_bytes", BOUND)


class Canned:
    """An upstream answer arriving in the given chunks."""

    status_code = 200
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()

    def __init__(self, chunks: list[bytes], content_type: str) -> None:
        self.chunks = chunks
        self.content_type = content_type

    def header(self, name: str) -> str:
        return self.content_type if name == "content-type" else ""

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    async def aclose(self) -> None:
        return None


class Client:
    """What the client was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self._done = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        await self._done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if not message.get("more_body"):
            self._done.set()

    def body(self) -> bytes:
        return b"".join(message["body"] for message in self.sent)


def events(count: int) -> list[bytes]:
    """A first SSE chunk, `count` chunks of one word each, then [DONE]."""
    first = sse(chat_chunk({"role": "assistant", "content": ""}), done=False)
    words = [sse(chat_chunk({"content": f"w{n} "}), done=False) for n in range(count)]
    return [first, *words, b"data: [DONE]\n\n"]


def recorded(answer: Answer, content_type: str, request: dict[str, Any] = CHAT_REQUEST, encoding: str = "") -> dict:
    exchange = Exchange(
        "0195b4e2-9c1d-7a3b-8f00-000000000001",
        datetime.now(UTC),
        "support-bot",
        "chat.completions",
        "default",
        request,
        status_code=200,
        content_type=content_type,
        content_encoding=encoding,
        body_chunks=answer.body_chunks,
        answer_bytes=answer.body_bytes,
    )
    return build_interaction_row(exchange)


def test_the_bound_is_the_decoding_bound():
    assert MAX_RECORDED_BYTES == MAX_DECODED_BYTES == 128 * 1024 * 1024


async def test_a_stream_past_the_bound_reaches_the_client_whole_and_keeps_its_start_for_the_record():
    chunks = events(60)
    assert sum(map(len, chunks)) > 3 * BOUND
    client, answer = Client(), Answer()

    await relay_stream(Canned(chunks, "text/event-stream"), answer, client.receive, client.send, 0.0, "default")

    assert client.body() == b"".join(chunks)
    assert sum(map(len, answer.body_chunks)) == BOUND
    assert b"".join(answer.body_chunks) == b"".join(chunks)[:BOUND]
    assert answer.body_bytes == sum(map(len, chunks))
    # What a shutdown's error event looks at: the end of what the client got, not of what was kept.
    assert answer.last_sent() == b"".join(chunks[-2:])
    row = recorded(answer, "text/event-stream")
    assert row["partial"] is True
    assert row["error"] == (
        f"the answer was {sum(map(len, chunks)):,} bytes, more than the 128 MiB Feedgate records: "
        "only its first 128 MiB were kept"
    )
    # The events whole in the first BOUND bytes (the one the cut went through is left out).
    whole_events = b"".join(chunks)[:BOUND].count(b"\n\n") - 1
    assert row["response_text"].split() == [f"w{n}" for n in range(whole_events)]


async def test_a_stream_within_the_bound_is_kept_whole_and_not_marked():
    chunks = events(2)
    assert sum(map(len, chunks)) <= BOUND
    client, answer = Client(), Answer()

    await relay_stream(Canned(chunks, "text/event-stream"), answer, client.receive, client.send, 0.0, "default")

    assert answer.body_chunks == chunks
    assert answer.last_sent() == b"".join(chunks[-2:])
    row = recorded(answer, "text/event-stream")
    assert (row["partial"], row["error"], row["response_text"]) == (False, None, "w0 w1 ")


async def test_a_whole_answer_past_the_bound_is_sent_whole_and_its_start_kept_as_raw_text():
    body = orjson.dumps({"id": "chatcmpl-1", "choices": [{"message": {"content": "x" * 3000}}]})
    answer = Answer()

    sent = await read_whole(Canned([body[:1500], body[1500:]], "application/json"), answer, started=0.0)

    assert sent == body
    assert answer.body_chunks == [body[:BOUND]]
    row = recorded(answer, "application/json", request={**CHAT_REQUEST, "stream": False})
    assert row["partial"] is True
    assert row["response"] == {"raw": body[:BOUND].decode()}
    assert row["error"].startswith(f"the answer was {len(body):,} bytes, more than the 128 MiB")


async def test_a_compressed_stream_past_the_bound_keeps_the_events_in_its_start():
    plain = b"".join(events(400))
    coded = gzip.compress(plain, compresslevel=1)
    assert len(coded) > BOUND
    client, answer = Client(), Answer()
    pieces = [coded[at : at + 300] for at in range(0, len(coded), 300)]

    await relay_stream(Canned(pieces, "text/event-stream"), answer, client.receive, client.send, 0.0, "default")

    assert client.body() == coded
    row = recorded(answer, "text/event-stream", encoding="gzip")
    assert row["partial"] is True
    assert row["response_text"].startswith("w0 w1 w2 ")


def test_forgetting_an_answer_forgets_its_count_and_tail():
    answer = Answer()
    answer.body_bytes, answer.tail = 5000, [b"a", b"b"]

    answer.forget_answer()

    assert (answer.body_chunks, answer.body_bytes, answer.tail, answer.last_sent()) == ([], 0, [], b"\n\n")
