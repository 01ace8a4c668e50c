"""The recorder undoes stacked content codings (`gzip, br`) and raw deflate before it reads an answer."""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson
import pytest

from gateway.recording.content_coding import decoded_content
from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, exchange

ANSWER = orjson.dumps(CHAT_COMPLETION)
TEXT = "The capital of France is Paris."


def raw_deflate(data: bytes) -> bytes:
    """Deflate without the zlib wrapper, as some servers send `Content-Encoding: deflate`."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def test_a_body_coded_gzip_then_br_is_decoded_last_coding_first():
    row = build_interaction_row(exchange(body=brotli.compress(gzip.compress(ANSWER)), content_encoding="gzip, br"))

    assert (row["response_text"], row["error"]) == (TEXT, None)


@pytest.mark.parametrize("content_encoding", ["br,gzip", "BR , GZIP", "identity, br, gzip"])
def test_stacked_codings_are_read_whatever_their_spacing_case_or_identity_among_them(content_encoding):
    row = build_interaction_row(
        exchange(body=gzip.compress(brotli.compress(ANSWER)), content_encoding=content_encoding)
    )

    assert row["response_text"] == TEXT


def test_a_raw_deflate_body_without_the_zlib_wrapper_is_decoded():
    row = build_interaction_row(exchange(body=raw_deflate(ANSWER), content_encoding="deflate"))

    assert (row["response_text"], row["error"]) == (TEXT, None)


def test_raw_deflate_under_gzip_is_decoded_too():
    row = build_interaction_row(exchange(body=gzip.compress(raw_deflate(ANSWER)), content_encoding="deflate, gzip"))

    assert row["response_text"] == TEXT


def test_x_gzip_is_read_as_gzip():
    # RFC 9110 8.4.1.3: a recipient should treat x-gzip as gzip.
    row = build_interaction_row(exchange(body=gzip.compress(ANSWER), content_encoding="x-gzip"))

    assert row["response_text"] == TEXT


def test_a_stacked_whole_answer_cut_short_is_stored_without_a_response():
    body = brotli.compress(gzip.compress(ANSWER * 50))

    row = build_interaction_row(exchange(body=body[: len(body) // 2], content_encoding="gzip, br", partial=True))

    assert (row["response"], row["response_text"]) == (None, None)


def test_a_stack_holding_a_coding_feedgate_cannot_read_is_not_recorded_and_says_so():
    row = build_interaction_row(exchange(body=b"\x1f\x9d\x90", content_encoding="gzip, compress"))

    assert row["response"] is None
    assert row["error"] == (
        "the answer came in content-encoding 'gzip, compress', which Feedgate cannot decode: not recorded"
    )


def test_an_answer_cut_short_and_kept_says_it_is_short_and_a_whole_one_does_not():
    # The recorder tells from this one decoding whether a kept answer that holds no events was whole.
    coded = gzip.compress(ANSWER * 50)

    kept = decoded_content(coded[: len(coded) // 2], "gzip", keep_cut_off=True)
    whole = decoded_content(coded, "gzip", keep_cut_off=True)

    assert (kept.short, kept.body is not None, whole.short) == (True, True, False)
