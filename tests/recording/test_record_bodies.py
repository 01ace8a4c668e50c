"""Interaction rows from odd exchanges (encodings, errors, unparsable bodies) and the end user a row names."""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson

from gateway.recording.exchange import Exchange
from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, CHAT_REQUEST, CREATED_AT, exchange
from .sse_bodies import chat_chunk, sse

# -- encodings, errors, odd bodies ---------------------------------------------------------


def test_a_gzip_encoded_body_is_decoded_first():
    row = build_interaction_row(exchange(body=gzip.compress(orjson.dumps(CHAT_COMPLETION)), content_encoding="gzip"))

    assert row["response_text"] == "The capital of France is Paris."
    assert row["total_tokens"] == 21


def test_a_deflate_encoded_body_is_decoded_first():
    row = build_interaction_row(exchange(body=zlib.compress(orjson.dumps(CHAT_COMPLETION)), content_encoding="deflate"))

    assert row["response_text"] == "The capital of France is Paris."


def test_a_cut_off_gzip_body_still_gives_a_row_without_a_response():
    compressed = gzip.compress(orjson.dumps(CHAT_COMPLETION))

    row = build_interaction_row(
        exchange(body=compressed[: len(compressed) // 2], content_encoding="gzip", partial=True)
    )

    assert row["id"] == "0195b4e2-9c1d-7a3b-8f00-000000000001"
    assert (row["response"], row["response_text"], row["partial"]) == (None, None, True)


def test_an_answer_in_an_encoding_feedgate_cannot_decode_is_stored_without_a_response_saying_why():
    row = build_interaction_row(exchange(body=b"\x1f\x9d\x90{}", content_encoding="compress"))

    assert (row["status_code"], row["response"], row["response_text"]) == (200, None, None)
    assert row["error"] == "the answer came in content-encoding 'compress', which Feedgate cannot decode: not recorded"


def test_a_br_answer_is_recorded_as_a_gzip_one_is():
    # Browsers and Node's fetch ask for br over https; an upstream may answer in it.
    body = brotli.compress(orjson.dumps({"id": "chatcmpl-br", "choices": [{"message": {"content": "Hello"}}]}))

    row = build_interaction_row(exchange(body=body, content_encoding="br"))

    assert (row["response_text"], row["error"]) == ("Hello", None)


def test_a_br_answer_cut_short_is_stored_without_a_response():
    body = brotli.compress(orjson.dumps({"id": "chatcmpl-br", "choices": [{"message": {"content": "Hello" * 500}}]}))

    row = build_interaction_row(exchange(body=body[: len(body) // 2], content_encoding="br"))

    assert (row["response"], row["response_text"]) == (None, None)


def gzip_stream_chunks(*events: dict) -> list[bytes]:
    """A chat stream as a server gzips it: each event flushed as it is sent, so the client can read it at once."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return [compressor.compress(sse(event, done=False)) + compressor.flush(zlib.Z_SYNC_FLUSH) for event in events]


def test_a_gzip_stream_the_client_left_keeps_the_text_that_had_arrived():
    chunks = gzip_stream_chunks(
        chat_chunk({"role": "assistant", "content": ""}),
        chat_chunk({"content": "The capital"}),
        chat_chunk({"content": " of France"}),
    )

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True},
            body=chunks,
            content_type="text/event-stream; charset=utf-8",
            content_encoding="gzip",
            partial=True,
            error="client disconnected before the answer was complete",
        )
    )

    assert (row["response_text"], row["upstream_response_id"], row["partial"]) == (
        "The capital of France",
        "chatcmpl-AbC123",
        True,
    )


def test_an_upstream_error_records_the_status_and_the_error_message():
    error = {
        "error": {
            "message": "Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM).",
            "type": "tokens",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }

    row = build_interaction_row(exchange(body=orjson.dumps(error), status_code=429))

    assert row["status_code"] == 429
    assert row["error"] == error["error"]["message"]
    assert row["response"] == error
    assert row["response_text"] is None


def test_an_error_the_proxy_already_noted_is_kept_over_the_body_message():
    row = build_interaction_row(
        exchange(
            body=orjson.dumps({"error": {"message": "overloaded"}}),
            status_code=503,
            error="upstream closed the connection",
        )
    )

    assert row["error"] == "upstream closed the connection"


def test_a_non_json_body_is_kept_raw():
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    row = build_interaction_row(exchange(body=html, content_type="text/html", status_code=502))

    assert row["response"] == {"raw": html.decode()}
    assert row["response_text"] is None
    assert row["status_code"] == 502


NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def test_a_non_json_error_body_is_recorded_as_an_upstream_error_with_the_start_of_its_text():
    row = build_interaction_row(exchange(body=NGINX_502, content_type="text/html", status_code=502))

    assert row["error"] == "upstream answered 502: 502 Bad Gateway 502 Bad Gateway nginx"
    assert row["response"] == {"raw": NGINX_502.decode()}


def test_the_error_from_a_long_html_error_page_keeps_only_its_first_words_without_scripts_or_styles():
    page = (
        b'<!DOCTYPE html><html lang="en-US"><head><title>api.example.com | 504: Gateway time-out</title>'
        b"<style>body{margin:0;padding:0}</style><script>window._cf_chl_opt={cvId: '3'};</script></head>"
        b"<body><h1>Gateway time-out&nbsp;&mdash; Error code 504</h1><p>"
        + b"The web server reported a gateway time-out error. " * 40
        + b"</p></body></html>"
    )

    row = build_interaction_row(exchange(body=page, content_type="text/html; charset=UTF-8", status_code=504))

    assert row["error"].startswith(
        "upstream answered 504: api.example.com | 504: Gateway time-out Gateway time-out — Error code 504 The web"
    )
    assert row["error"].endswith("…")
    assert len(row["error"]) == len("upstream answered 504: ") + 200
    assert "margin" not in row["error"] and "_cf_chl_opt" not in row["error"]


def test_a_plain_text_error_body_is_recorded_with_its_text():
    row = build_interaction_row(
        exchange(
            body=b"upstream connect error or disconnect/reset before headers\n",
            content_type="text/plain",
            status_code=503,
        )
    )

    assert row["error"] == "upstream answered 503: upstream connect error or disconnect/reset before headers"


def test_an_empty_error_body_is_recorded_as_an_upstream_error():
    row = build_interaction_row(exchange(body=b"", status_code=502))

    assert (row["error"], row["response"]) == ("upstream answered 502", None)


def test_an_error_the_proxy_already_noted_is_kept_over_a_non_json_body():
    row = build_interaction_row(
        exchange(body=NGINX_502, content_type="text/html", status_code=502, error="upstream closed the connection")
    )

    assert row["error"] == "upstream closed the connection"


def test_a_200_whose_body_is_not_json_is_recorded_as_an_error_with_the_start_of_its_text():
    # A broken upstream, or a proxy in front of it, answering a JSON call with a page and status 200.
    page = b"<html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>"

    row = build_interaction_row(exchange(body=page, content_type="text/html", status_code=200))

    assert row["status_code"] == 200
    assert row["error"] == "upstream answered 200 with an answer that is not JSON: Maintenance Back soon"
    assert row["response"] == {"raw": page.decode()}


def test_a_200_plain_text_answer_to_a_stream_request_is_recorded_as_an_error():
    row = build_interaction_row(
        exchange(request={**CHAT_REQUEST, "stream": True}, body=b"OK", content_type="text/plain", status_code=200)
    )

    assert row["error"] == "upstream answered 200 with an answer that is not JSON: OK"


def test_a_json_error_body_without_an_error_field_is_recorded_with_its_detail():
    # FastAPI's (and so many OpenAI-compatible servers') own 404 and 422.
    row = build_interaction_row(exchange(body=orjson.dumps({"detail": "Not Found"}), status_code=404))

    assert (row["error"], row["response"]) == ("upstream answered 404: Not Found", {"detail": "Not Found"})


def test_a_json_error_body_with_a_top_level_message_is_recorded_with_it():
    # vLLM's ErrorResponse before it nested it under "error", as OpenAI does.
    body = {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "code": 400}

    row = build_interaction_row(exchange(body=orjson.dumps(body), status_code=400))

    assert row["error"] == "upstream answered 400: max_tokens is too large"


def test_a_json_error_body_naming_no_message_is_recorded_with_the_start_of_its_text():
    row = build_interaction_row(exchange(body=b'{"detail": [{"loc": ["body", "model"]}]}', status_code=422))

    assert row["error"] == 'upstream answered 422: {"detail": [{"loc": ["body", "model"]}]}'


def test_an_empty_body_gives_a_row_without_a_response():
    row = build_interaction_row(exchange(body=b"", status_code=204))

    assert (row["response"], row["response_text"], row["status_code"]) == (None, None, 204)


def test_an_unparsable_request_gives_a_row_without_a_model():
    row = build_interaction_row(
        Exchange(
            id="x",
            created_at=CREATED_AT,
            app="a",
            endpoint="chat.completions",
            upstream="default",
            request=None,
            status_code=400,
        )
    )

    assert (row["model"], row["stream"], row["request"], row["end_user"]) == (None, False, None, None)


# -- the end user ---------------------------------------------------------------------------


def test_the_end_user_comes_from_the_request_user_field():
    row = build_interaction_row(
        exchange(request={**CHAT_REQUEST, "user": "user-42"}, body=orjson.dumps(CHAT_COMPLETION))
    )

    assert row["end_user"] == "user-42"


def test_the_end_user_falls_back_to_the_safety_identifier():
    row = build_interaction_row(exchange(request={**CHAT_REQUEST, "safety_identifier": "hash-9f2"}))

    assert row["end_user"] == "hash-9f2"


def test_the_x_feedgate_user_header_beats_the_request_user_field():
    # The proxy puts the x-feedgate-user header into exchange.end_user.
    row = build_interaction_row(exchange(request={**CHAT_REQUEST, "user": "user-42"}, end_user="alice@example.com"))

    assert row["end_user"] == "alice@example.com"


def test_a_non_string_user_field_is_not_taken_as_the_end_user():
    row = build_interaction_row(exchange(request={**CHAT_REQUEST, "user": {"id": 42}}))

    assert row["end_user"] is None


def test_a_whitespace_only_user_field_is_not_taken_as_the_end_user():
    row = build_interaction_row(exchange(request={**CHAT_REQUEST, "user": "  ", "safety_identifier": "hash-9f2"}))

    assert row["end_user"] == "hash-9f2"
