"""Rows of answers that did not end as OpenAI's usually do: Azure's unnamed first chunk, error events, failed or cut Responses."""

from __future__ import annotations

import orjson

from gateway.recording.record import build_interaction_row

from .exchanges import CHAT_REQUEST, exchange

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


BROKE_OFF = "upstream broke off the answer: the connection was closed before the answer was complete"


def test_a_responses_stream_cut_during_a_function_call_records_the_call_and_no_text():
    row = build_interaction_row(
        exchange(
            endpoint="responses",
            request={"model": "gpt-4.1", "input": "Weather in Paris?", "tools": [], "stream": True},
            body=CUT_FUNCTION_CALL_STREAM,
            content_type="text/event-stream; charset=utf-8",
            partial=True,
            error=BROKE_OFF,
        )
    )

    assert (row["partial"], row["error"], row["upstream_response_id"]) == (True, BROKE_OFF, "resp_67ccf18ef5fc8190")
    assert [(call["name"], call["arguments"]) for call in row["tool_calls"]] == [
        ("get_weather", '{"location":"Paris, Fr')
    ]
    assert row["response_text"] is None


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


def test_a_cut_responses_stream_has_no_finish_reason_as_a_cut_chat_stream_has_none():
    # "incomplete" is OpenAI's word for an answer stopped at max_output_tokens or by its content filter.
    request = {"model": "gpt-4.1", "input": "Weather in Paris?", "stream": True}
    cut = {"body": CUT_FUNCTION_CALL_STREAM, "content_type": "text/event-stream", "partial": True, "error": BROKE_OFF}
    chat_stream = MID_STREAM_ERROR[: MID_STREAM_ERROR.index(b'data: {"error"')]

    responses = build_interaction_row(exchange(endpoint="responses", request=request, **cut))
    chat = build_interaction_row(exchange(request={**CHAT_REQUEST, "stream": True}, **{**cut, "body": chat_stream}))

    assert (responses["finish_reason"], responses["partial"], responses["error"]) == (None, True, BROKE_OFF)
    assert (chat["finish_reason"], chat["partial"], chat["error"]) == (None, True, BROKE_OFF)
    assert responses["response"]["status"] == "in_progress"  # as the stream last said; it never ended


def test_a_responses_stream_that_ended_incomplete_keeps_openai_s_finish_reason():
    incomplete = {
        "id": "resp_67ccd2bed1ec8190",
        "object": "response",
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "model": "gpt-4.1",
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Par"}]}],
    }
    event = {"type": "response.incomplete", "response": incomplete}
    stream = b"event: response.incomplete\ndata: " + orjson.dumps(event) + b"\n\n"

    streamed = build_interaction_row(exchange(endpoint="responses", body=stream, content_type="text/event-stream"))
    whole = build_interaction_row(exchange(endpoint="responses", body=orjson.dumps(incomplete)))

    assert (streamed["finish_reason"], streamed["partial"], streamed["error"]) == ("incomplete", False, None)
    assert (whole["finish_reason"], whole["response_text"]) == ("incomplete", "Par")


def test_a_responses_answer_whose_status_is_no_text_has_no_finish_reason():
    answer = {"id": "resp_1", "object": "response", "status": ["completed"], "output": []}

    row = build_interaction_row(exchange(endpoint="responses", body=orjson.dumps(answer)))

    assert (row["finish_reason"], row["error"]) == (None, None)
