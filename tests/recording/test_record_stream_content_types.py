"""A streamed call's answer is rebuilt as the stream it is, whatever content type the upstream named it.

Some OpenAI-compatible servers send a stream as `text/event-stream; charset=utf-8`, in another case, or as
`text/plain`: read as a whole answer, its events were "not JSON", and a good streamed answer was stored as
"upstream answered 200 with an answer that is not JSON". A 200 that is neither JSON nor events stays an error.
"""

from __future__ import annotations

import gzip
import zlib

import orjson
import pytest

from gateway.recording.content_coding import decoded_content
from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_REQUEST, exchange
from .sse_bodies import chat_chunk, sse, streamed_chat

STREAMED = {**CHAT_REQUEST, "stream": True}


@pytest.mark.parametrize(
    "content_type",
    ["text/event-stream; charset=utf-8", "Text/Event-Stream", "text/plain", "text/plain; charset=utf-8", ""],
)
def test_a_stream_under_another_content_type_is_rebuilt_as_a_stream(content_type):
    row = build_interaction_row(exchange(request=STREAMED, body=streamed_chat(), content_type=content_type))

    assert row["error"] is None
    assert (row["response_text"], row["finish_reason"]) == ("The capital of France is Paris.", "stop")


def test_a_stream_opening_with_a_comment_is_rebuilt_as_a_stream():
    # An SSE comment line (": keep-alive") before the first event, as some servers send.
    body = b": keep-alive\n\n" + streamed_chat()

    row = build_interaction_row(exchange(request=STREAMED, body=body, content_type="text/plain"))

    assert (row["error"], row["response_text"]) == (None, "The capital of France is Paris.")


def test_events_answering_a_call_that_asked_for_no_stream_stay_an_error():
    # The app asked for one JSON answer: the SDK cannot read events as one.
    row = build_interaction_row(exchange(body=streamed_chat(), content_type="text/plain"))

    assert row["error"].startswith("upstream answered 200 with an answer that is not JSON: ")


def test_a_plain_text_answer_to_a_stream_request_that_holds_no_events_stays_an_error():
    body = b"upstream overloaded, data: none"

    row = build_interaction_row(exchange(request=STREAMED, body=body, content_type="text/plain"))

    assert row["error"] == "upstream answered 200 with an answer that is not JSON: upstream overloaded, data: none"


@pytest.mark.parametrize("content_type", ["text/plain", ""])
def test_a_compressed_stream_under_another_content_type_cut_short_keeps_the_text_that_had_arrived(content_type):
    # A gzip stream cut short ends mid-coding: a whole answer so cut is not the answer, but a stream's events
    # that had arrived are, whatever it was named (only a stream named `text/event-stream` kept them).
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    events = [chat_chunk({"role": "assistant", "content": ""}), chat_chunk({"content": "The capital"})]
    body = [compressor.compress(sse(event, done=False)) + compressor.flush(zlib.Z_SYNC_FLUSH) for event in events]

    row = build_interaction_row(
        exchange(
            request=STREAMED,
            body=body,
            content_type=content_type,
            content_encoding="gzip",
            partial=True,
            error="client disconnected before the answer was complete",
        )
    )

    assert (row["response_text"], row["partial"]) == ("The capital", True)


def test_a_compressed_json_answer_to_a_stream_request_cut_short_is_stored_without_a_response():
    # No events: a whole answer cut short is not the answer, whether the call asked for a stream or not.
    body = zlib.compress(orjson.dumps({"id": "chatcmpl-x", "choices": [{"message": {"content": "Hello" * 500}}]}))

    row = build_interaction_row(
        exchange(request=STREAMED, body=body[: len(body) // 2], content_encoding="deflate", partial=True)
    )

    assert (row["response"], row["response_text"]) == (None, None)


def test_a_compressed_json_error_answering_a_stream_request_is_decoded_once(monkeypatch):
    # The writer decoded it as a stream that may be cut short, found no events, and decoded it all again
    # to learn whether it was whole: twice the work for every such error (up to 128 MiB of a bomb's).
    decodings = []

    def counted_decoding(*args, **kwargs):
        decodings.append(args[1])
        return decoded_content(*args, **kwargs)

    monkeypatch.setattr("gateway.recording.record.decoded_content", counted_decoding)
    error = orjson.dumps({"error": {"message": "overloaded", "type": "server_error"}})

    row = build_interaction_row(
        exchange(request=STREAMED, body=gzip.compress(error), content_encoding="gzip", status_code=503)
    )

    assert (row["error"], decodings) == ("overloaded", ["gzip"])
