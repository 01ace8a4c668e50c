"""Answers in content-encoding zstd, recorded decoded as gzip and br answers are.

httpx asks for zstd when zstandard is installed beside the app; the gateway forwards what the app asks for.
"""

from __future__ import annotations

import orjson
import zstandard

from gateway.recording.content_coding import decoded_content
from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, CHAT_REQUEST, exchange
from .sse_bodies import chat_chunk, sse


def test_a_zstd_answer_is_recorded_as_a_gzip_one_is():
    body = zstandard.ZstdCompressor().compress(orjson.dumps(CHAT_COMPLETION))

    row = build_interaction_row(exchange(body=body, content_encoding="zstd"))

    assert (row["response_text"], row["total_tokens"], row["error"]) == ("The capital of France is Paris.", 21, None)


def test_a_zstd_stream_cut_short_keeps_the_events_that_had_arrived():
    # A server flushes each event as it sends it, so the client can read it at once.
    compressor = zstandard.ZstdCompressor().compressobj()
    events = [chat_chunk({"role": "assistant", "content": ""}), chat_chunk({"content": "The capital"})]
    chunks = [
        compressor.compress(sse(e, done=False)) + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) for e in events
    ]

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True},
            body=chunks,
            content_type="text/event-stream",
            content_encoding="zstd",
            partial=True,
        )
    )

    assert (row["response_text"], row["partial"]) == ("The capital", True)


def test_a_zstd_answer_of_several_frames_is_decoded_whole():
    compressor = zstandard.ZstdCompressor()
    text = orjson.dumps(CHAT_COMPLETION)
    body = compressor.compress(text[:40]) + compressor.compress(text[40:])

    assert decoded_content(body, "zstd") == (text, False, False)


def test_a_zstd_answer_cut_short_is_stored_without_a_response():
    body = zstandard.ZstdCompressor().compress(orjson.dumps(CHAT_COMPLETION) * 50)

    row = build_interaction_row(exchange(body=body[: len(body) // 2], content_encoding="zstd"))

    assert (row["response"], row["response_text"]) == (None, None)


def test_a_corrupt_zstd_answer_is_stored_without_a_response():
    row = build_interaction_row(exchange(body=b"\x28\xb5\x2f\xfd" + b"not zstd", content_encoding="zstd"))

    assert (row["response"], row["status_code"]) == (None, 200)


def test_zstd_decoding_stops_at_the_bound_and_says_it_cut():
    decoded = decoded_content(zstandard.ZstdCompressor().compress(b"a" * 100_000), "zstd", max_bytes=1000)

    assert decoded.cut
    assert decoded.body == b"a" * 1000


def test_a_zstd_answer_exactly_at_the_bound_is_whole():
    decoded = decoded_content(zstandard.ZstdCompressor().compress(b"a" * 1000), "zstd", max_bytes=1000)

    assert decoded == (b"a" * 1000, False, False)
