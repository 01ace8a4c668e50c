"""Turning a captured exchange into the interaction row that gets stored: identity, chat, completions, embeddings."""

from __future__ import annotations

import base64
import struct

import orjson

from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_COMPLETION, CHAT_REQUEST, CREATED_AT, exchange, sse

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


AZURE_CHAT_STREAM = (
    b'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,'
    b'"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,'
    b'"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,'
    b'"severity":"safe"}}}]}\n\n'
    b'data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},'
    b'"finish_reason":null,"index":0,"logprobs":null}],"created":1741569952,"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",'
    b'"model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_b705f0c291"}\n\n'
    b'data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":'
    b'{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,'
    b'"severity":"safe"}},"delta":{"content":"Paris."},"finish_reason":null,"index":0,"logprobs":null}],'
    b'"created":1741569952,"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","model":"gpt-4o-2024-08-06",'
    b'"object":"chat.completion.chunk","system_fingerprint":"fp_b705f0c291"}\n\n'
    b'data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],'
    b'"created":1741569952,"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","model":"gpt-4o-2024-08-06",'
    b'"object":"chat.completion.chunk","system_fingerprint":"fp_b705f0c291"}\n\n'
    b"data: [DONE]\n\n"
)


def test_an_azure_stream_is_recorded_under_the_answer_s_own_id_model_and_created():
    row = build_interaction_row(
        exchange(request={**CHAT_REQUEST, "stream": True}, body=AZURE_CHAT_STREAM, content_type="text/event-stream")
    )

    assert row["upstream_response_id"] == "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert (row["response"]["model"], row["response"]["created"]) == ("gpt-4o-2024-08-06", 1_741_569_952)
    assert row["response_text"] == "Paris."


def test_a_stream_cut_before_any_chunk_named_the_answer_has_no_upstream_response_id():
    first_chunk = AZURE_CHAT_STREAM[: AZURE_CHAT_STREAM.index(b"\n\n") + 2]

    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True}, body=first_chunk, content_type="text/event-stream", partial=True
        )
    )

    assert row["upstream_response_id"] is None  # not "", which would name every such cut stream


MID_STREAM_ERROR = (
    b'data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,'
    b'"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":'
    b'{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n'
    b'data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,'
    b'"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":'
    b'{"content":"Hel"},"logprobs":null,"finish_reason":null}]}\n\n'
    b'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!",'
    b'"type":"server_error","param":null,"code":null}}\n\n'
)


def test_a_stream_that_ends_in_an_error_event_is_recorded_as_a_partial_error_with_the_text_so_far():
    row = build_interaction_row(
        exchange(request={**CHAT_REQUEST, "stream": True}, body=MID_STREAM_ERROR, content_type="text/event-stream")
    )

    assert (row["status_code"], row["partial"]) == (200, True)
    assert row["error"] == "The server had an error while processing your request. Sorry about that!"
    assert row["response_text"] == "Hel"
    assert row["upstream_response_id"] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"


def test_an_error_the_proxy_already_noted_is_kept_over_a_stream_s_error_event():
    row = build_interaction_row(
        exchange(
            request={**CHAT_REQUEST, "stream": True},
            body=MID_STREAM_ERROR,
            content_type="text/event-stream",
            error="upstream closed the connection",
            partial=True,
        )
    )

    assert (row["error"], row["partial"]) == ("upstream closed the connection", True)


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


def test_base64_embeddings_are_replaced_by_their_length_in_characters():
    encoded = base64.b64encode(struct.pack("<4f", 0.1, 0.2, 0.3, 0.4)).decode()
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

    assert row["response"]["data"][0]["embedding"] == f"<{len(encoded)} base64 chars>"


CUT_FUNCTION_CALL_STREAM = (
    b"event: response.created\n"
    b'data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_67ccf18ef5fc8190","object":"response",'
    b'"created_at":1741484430,"status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"usage":null}}\n\n'
    b"event: response.output_item.added\n"
    b'data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_67ccf18f64008190",'
    b'"type":"function_call","status":"in_progress","arguments":"","call_id":"call_unLAR8MvFNptuiZK6K6HCy5k",'
    b'"name":"get_weather"}}\n\n'
    b"event: response.function_call_arguments.delta\n"
    b'data: {"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc_67ccf18f64008190",'
    b'"output_index":0,"delta":"{\\"location\\":"}\n\n'
    b"event: response.function_call_arguments.delta\n"
    b'data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_67ccf18f64008190",'
    b'"output_index":0,"delta":"\\"Paris, Fr"}\n\n'
)


def test_a_responses_stream_cut_during_a_function_call_records_the_call_and_no_text():
    row = build_interaction_row(
        exchange(
            endpoint="responses",
            request={"model": "gpt-4.1", "input": "Weather in Paris?", "tools": [], "stream": True},
            body=CUT_FUNCTION_CALL_STREAM,
            content_type="text/event-stream; charset=utf-8",
            partial=True,
        )
    )

    assert (row["partial"], row["finish_reason"], row["upstream_response_id"]) == (
        True,
        "incomplete",
        "resp_67ccf18ef5fc8190",
    )
    assert [(call["name"], call["arguments"]) for call in row["tool_calls"]] == [
        ("get_weather", '{"location":"Paris, Fr')
    ]
    assert row["response_text"] is None


def test_a_finish_reason_longer_than_its_column_is_fitted_to_it():
    completion = {**CHAT_COMPLETION, "choices": [{**CHAT_COMPLETION["choices"][0], "finish_reason": "x" * 80}]}

    row = build_interaction_row(exchange(body=orjson.dumps(completion)))

    assert len(row["finish_reason"]) == 50 and row["finish_reason"].startswith("x" * 33)


def test_a_responses_answer_that_says_it_failed_is_recorded_with_its_error():
    failed = {
        "id": "resp_67ccd2bed1ec8190",
        "object": "response",
        "status": "failed",
        "model": "gpt-4.1",
        "output": [],
        "error": {"code": "server_error", "message": "The model failed to answer"},
    }
    stream = b"event: response.failed\ndata: " + orjson.dumps({"type": "response.failed", "response": failed}) + b"\n\n"

    whole = build_interaction_row(exchange(endpoint="responses", body=orjson.dumps(failed)))
    streamed = build_interaction_row(exchange(endpoint="responses", body=stream, content_type="text/event-stream"))

    assert (whole["status_code"], whole["error"]) == (200, "The model failed to answer")
    assert (streamed["error"], streamed["partial"]) == ("The model failed to answer", False)


def test_a_responses_stream_broken_off_by_an_error_event_is_a_partial_error():
    events = [
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "Hel"},
        {"type": "error", "code": "server_error", "message": "The server had an error"},
    ]
    body = b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)

    row = build_interaction_row(exchange(endpoint="responses", body=body, content_type="text/event-stream"))

    assert (row["error"], row["partial"], row["response_text"]) == ("The server had an error", True, "Hel")
