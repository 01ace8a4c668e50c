"""Decoding an answer is bounded (a compression bomb is not inflated whole) and reads every gzip member."""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson
import pytest

from gateway.recording.content_coding import MAX_DECODED_BYTES, decoded_content
from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, CHAT_REQUEST, exchange
from .sse_bodies import chat_chunk, sse

ANSWER = orjson.dumps(CHAT_COMPLETION)
TEXT = "The capital of France is Paris."
MIB = 1 << 20


def bomb(start: bytes, wbits: int, mebibytes: int) -> bytes:
    """`start` then `mebibytes` MiB of zero bytes, compressed with zlib at `wbits` (31: gzip), cheaply."""
    compressor = zlib.compressobj(1, wbits=wbits)
    zeros = bytes(MIB)
    parts = [compressor.compress(start), *(compressor.compress(zeros) for _ in range(mebibytes))]
    return b"".join([*parts, compressor.flush()])


# -- the bound -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
    ],
)
def test_decoding_stops_at_the_bound_and_says_it_cut(content_encoding, compress):
    decoded = decoded_content(compress(b"a" * 100_000), content_encoding, max_bytes=1000)

    assert decoded.body == b"a" * 1000
    assert decoded.cut


def test_an_answer_exactly_at_the_bound_is_whole():
    decoded = decoded_content(gzip.compress(b"a" * 1000), "gzip", max_bytes=1000)

    assert (decoded.body, decoded.cut) == (b"a" * 1000, False)


def test_a_whole_answer_over_the_bound_keeps_its_start_marked_partial_with_the_cut_named():
    body = bomb(b'{"id": "chatcmpl-1", "pad": "', 31, MAX_DECODED_BYTES // MIB + 1)

    row = build_interaction_row(exchange(body=body, content_encoding="gzip"))

    assert row["response"]["raw"].startswith('{"id": "chatcmpl-1", "pad": "')
    assert row["partial"] is True
    assert row["error"] == (
        "the answer, in content-encoding 'gzip', decodes to more than 128 MiB (a compression bomb?): "
        "only its first 128 MiB were read"
    )


def test_a_stream_over_the_bound_keeps_the_events_before_the_cut():
    events = sse(chat_chunk({"role": "assistant", "content": ""}), chat_chunk({"content": "Paris"}))
    body = bomb(events + b": ", 31, MAX_DECODED_BYTES // MIB + 1)

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True},
            body=body,
            content_type="text/event-stream",
            content_encoding="gzip",
        )
    )

    assert (row["response_text"], row["partial"]) == ("Paris", True)
    assert "decodes to more than 128 MiB" in row["error"]


# -- gzip members ----------------------------------------------------------------------------


def test_a_gzip_answer_of_several_members_is_decoded_whole():
    body = gzip.compress(ANSWER[:40]) + gzip.compress(ANSWER[40:])

    row = build_interaction_row(exchange(body=body, content_encoding="gzip"))

    assert (row["response_text"], row["error"]) == (TEXT, None)


def test_zero_bytes_padding_a_gzip_answer_after_its_last_member_are_ignored():
    row = build_interaction_row(exchange(body=gzip.compress(ANSWER) + bytes(16), content_encoding="gzip"))

    assert (row["response_text"], row["error"]) == (TEXT, None)


def test_the_bound_covers_all_gzip_members_together():
    body = gzip.compress(b"a" * 600) + gzip.compress(b"b" * 600)

    decoded = decoded_content(body, "gzip", max_bytes=1000)

    assert (decoded.body, decoded.cut) == (b"a" * 600 + b"b" * 400, True)
