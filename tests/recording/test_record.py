"""Turning a captured exchange into the interaction row that gets stored: identity, chat, completions, embeddings."""

from __future__ import annotations

import base64
import struct

import orjson
import pytest

from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, CHAT_REQUEST, CREATED_AT, exchange, sse
from .sse_bodies import chat_chunk

# -- what every row carries ---------------------------------------------------------------


def test_the_row_carries_the_exchange_identity_and_timings():
    row = build_interaction_row(
        exchange(body=orjson.dumps(CHAT_COMPLETION), latency_ms=812.5, ttfb_ms=240.0, metadata={"feature": "faq"})
    )

    assert {key: row[key] for key in ("id", "created_at", "app", "endpoint", "upstream", "model", "request")} == {
        "id": "0195b4e2-9c1d-7a3b-8f00-000000000001",
        "created_at": CREATED_AT,
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-4o-mini",  # the model asked for, not the snapshot that answered
        "request": CHAT_REQUEST,
    }
    assert (row["latency_ms"], row["ttfb_ms"], row["metadata"]) == (812.5, 240.0, {"feature": "faq"})
    assert (row["status_code"], row["error"], row["partial"], row["stream"]) == (200, None, False, False)


# -- chat completions -------------------------------------------------------------------


def test_a_chat_completion_gives_its_text_finish_reason_upstream_id_and_token_counts():
    row = build_interaction_row(exchange(body=orjson.dumps(CHAT_COMPLETION)))

    assert row["response"] == CHAT_COMPLETION
    assert row["response_text"] == "The capital of France is Paris."
    assert row["finish_reason"] == "stop"
    assert row["upstream_response_id"] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (14, 7, 21)
    assert row["tool_calls"] is None


def test_a_chat_answer_whose_content_is_a_list_of_parts_gives_the_text_of_its_text_parts():
    # Mistral's reasoning models answer so: their thinking, then the answer, as parts.
    thinking = {"type": "thinking", "thinking": [{"type": "text", "text": "The user asks..."}]}
    content = [thinking, {"type": "text", "text": "The capital of France is "}, {"type": "text", "text": "Paris."}]
    message = {"role": "assistant", "content": content}
    answer = {**CHAT_COMPLETION, "choices": [{**CHAT_COMPLETION["choices"][0], "message": message}]}

    row = build_interaction_row(exchange(body=orjson.dumps(answer)))

    assert row["response_text"] == "The capital of France is Paris."
    assert row["response"] == answer


def test_a_chat_completion_with_tool_calls_records_them():
    tool_calls = [
        {"id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
    ]
    completion = {
        **CHAT_COMPLETION,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": tool_calls},
                "finish_reason": "tool_calls",
            }
        ],
    }

    row = build_interaction_row(exchange(body=orjson.dumps(completion)))

    assert row["tool_calls"] == tool_calls
    assert row["response_text"] is None
    assert row["finish_reason"] == "tool_calls"


LEGACY_FUNCTION_CALL = {"name": "get_weather", "arguments": '{"city": "Paris"}'}


def test_a_legacy_function_call_answer_records_the_call_as_its_one_tool_call():
    # The answer to a request with the older `functions`: `function_call`, not `tool_calls`.
    completion = {
        **CHAT_COMPLETION,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "function_call": LEGACY_FUNCTION_CALL},
                "finish_reason": "function_call",
            }
        ],
    }

    row = build_interaction_row(exchange(body=orjson.dumps(completion)))

    assert (row["tool_calls"], row["response_text"], row["finish_reason"]) == (
        [LEGACY_FUNCTION_CALL],
        None,
        "function_call",
    )


def test_a_streamed_legacy_function_call_records_the_call_as_its_one_tool_call():
    body = sse(
        chat_chunk({"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": ""}}),
        chat_chunk({"function_call": {"arguments": '{"city": '}}),
        chat_chunk({"function_call": {"arguments": '"Paris"}'}}),
        chat_chunk({}, finish_reason="function_call"),
    )

    row = build_interaction_row(
        exchange(request={**CHAT_REQUEST, "stream": True}, body=body, content_type="text/event-stream")
    )

    assert (row["tool_calls"], row["finish_reason"]) == ([LEGACY_FUNCTION_CALL], "function_call")


def test_a_streamed_chat_is_reassembled_into_the_row():
    body = sse(
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
        },
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": "Paris"}, "finish_reason": None}],
        },
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": "."}, "finish_reason": None}],
        },
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        },
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [],
            "usage": {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16},
        },
    )
    # The network splits the body anywhere, even inside an event.
    chunks = [body[:37], body[37:200], body[200:]]

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True, "stream_options": {"include_usage": True}},
            body=chunks,
            content_type="text/event-stream; charset=utf-8",
        )
    )

    assert row["stream"] is True
    assert row["response_text"] == "Paris."
    assert row["finish_reason"] == "stop"
    assert row["upstream_response_id"] == "chatcmpl-s1"
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (14, 2, 16)
    assert row["response"]["object"] == "chat.completion"


def test_a_stream_cut_short_is_recorded_as_partial_with_what_arrived():
    body = sse(
        {
            "id": "chatcmpl-s2",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Par"}, "finish_reason": None}],
        },
    ).removesuffix(b"data: [DONE]\n\n")

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True},
            body=body,
            content_type="text/event-stream",
            partial=True,
        )
    )

    assert row["partial"] is True
    assert row["response_text"] == "Par"
    assert row["finish_reason"] is None


# -- legacy completions and the Responses API ----------------------------------------------------


def test_a_legacy_completion_gives_its_text():
    completion = {
        "id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
        "object": "text_completion",
        "created": 1_589_478_378,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [{"text": "\n\nThis is indeed a test", "index": 0, "logprobs": None, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }

    row = build_interaction_row(
        exchange(
            endpoint="completions",
            request={"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test"},
            body=orjson.dumps(completion),
        )
    )

    assert (row["response_text"], row["finish_reason"], row["total_tokens"]) == (
        "\n\nThis is indeed a test",
        "length",
        12,
    )


RESPONSE = {
    "id": "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41",
    "object": "response",
    "created_at": 1_741_476_777,
    "status": "completed",
    "model": "gpt-4.1-2025-04-14",
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": "In a peaceful grove, ", "annotations": []},
                {"type": "output_text", "text": "a unicorn slept.", "annotations": []},
            ],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "save_story",
            "arguments": '{"title":"Grove"}',
            "status": "completed",
        },
    ],
    "usage": {
        "input_tokens": 36,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 87,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 123,
    },
}


def test_a_responses_api_answer_joins_its_output_text_and_maps_input_output_tokens():
    row = build_interaction_row(
        exchange(
            endpoint="responses", request={"model": "gpt-4.1", "input": "Tell me a story."}, body=orjson.dumps(RESPONSE)
        )
    )

    assert row["response_text"] == "In a peaceful grove, a unicorn slept."
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (36, 87, 123)
    assert row["finish_reason"] == "completed"
    assert row["upstream_response_id"] == RESPONSE["id"]
    assert [call["name"] for call in row["tool_calls"]] == ["save_story"]


# -- embeddings ---------------------------------------------------------------------------


def test_embedding_vectors_are_replaced_by_their_size():
    response = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292, 0.015797347]},
            {"object": "embedding", "index": 1, "embedding": [0.1] * 1536},
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }

    row = build_interaction_row(
        exchange(
            endpoint="embeddings",
            request={"model": "text-embedding-3-small", "input": ["a", "b"]},
            body=orjson.dumps(response),
        )
    )

    assert row["response"]["data"] == [
        {"object": "embedding", "index": 0, "embedding": "<3 floats>"},
        {"object": "embedding", "index": 1, "embedding": "<1536 floats>"},
    ]
    assert row["response"]["model"] == "text-embedding-3-small"
    assert (row["prompt_tokens"], row["total_tokens"]) == (8, 8)
    assert row["response_text"] is None


@pytest.mark.parametrize("dimension", [3, 4, 5, 1536])
def test_base64_embeddings_are_replaced_by_their_dimension(dimension: int):
    encoded = base64.b64encode(struct.pack(f"<{dimension}f", *[0.1] * dimension)).decode()
    response = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": encoded}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }

    row = build_interaction_row(
        exchange(
            endpoint="embeddings",
            request={"model": "text-embedding-3-small", "input": "hi", "encoding_format": "base64"},
            body=orjson.dumps(response),
        )
    )

    assert row["response"]["data"][0]["embedding"] == f"<{dimension} floats, base64>"


def test_a_finish_reason_longer_than_its_column_is_fitted_to_it():
    completion = {**CHAT_COMPLETION, "choices": [{**CHAT_COMPLETION["choices"][0], "finish_reason": "x" * 80}]}

    row = build_interaction_row(exchange(body=orjson.dumps(completion)))

    assert len(row["finish_reason"]) == 50 and row["finish_reason"].startswith("x" * 33)
