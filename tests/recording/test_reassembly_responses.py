"""Rebuilding whole Responses API answers from their server-sent event streams, as OpenAI formats them."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.recording.responses_stream import reassemble_responses_stream

CREATED = 1_727_000_000


def responses_sse(*events: dict[str, Any]) -> bytes:
    """A Responses API body: `event: <type>` then `data: {...}` per event (no [DONE])."""
    return b"".join(
        b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n" for event in events
    )


def in_progress_response() -> dict[str, Any]:
    return {
        "id": "resp_67ccd2bed1ec8190",
        "object": "response",
        "created_at": CREATED,
        "status": "in_progress",
        "model": "gpt-4.1-2025-04-14",
        "output": [],
        "usage": None,
    }


def completed_response() -> dict[str, Any]:
    return {
        **in_progress_response(),
        "status": "completed",
        "output": [
            {
                "id": "msg_67ccd2bf17f0",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hi there!", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 37, "output_tokens": 11, "total_tokens": 48},
    }


def responses_events_until_text() -> list[dict[str, Any]]:
    item = {"id": "msg_67ccd2bf17f0", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    return [
        {"type": "response.created", "sequence_number": 0, "response": in_progress_response()},
        {"type": "response.in_progress", "sequence_number": 1, "response": in_progress_response()},
        {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0, "item": item},
        {
            "type": "response.content_part.added",
            "sequence_number": 3,
            "item_id": item["id"],
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "output_text", "text": "", "annotations": []},
        },
        *(
            {
                "type": "response.output_text.delta",
                "sequence_number": 4 + n,
                "item_id": item["id"],
                "output_index": 0,
                "content_index": 0,
                "delta": delta,
            }
            for n, delta in enumerate(["Hi", " there", "!"])
        ),
    ]


def test_a_complete_responses_stream_returns_the_response_from_response_completed():
    body = responses_sse(
        *responses_events_until_text(),
        {"type": "response.output_text.done", "sequence_number": 7, "text": "Hi there!"},
        {"type": "response.completed", "sequence_number": 8, "response": completed_response()},
    )

    assert reassemble_responses_stream(body) == completed_response()


def test_a_responses_stream_cut_before_completion_keeps_its_message_with_the_text_so_far_in_progress():
    body = responses_sse(*responses_events_until_text())

    response = reassemble_responses_stream(body)

    assert response is not None
    assert response["id"] == "resp_67ccd2bed1ec8190"
    assert response["model"] == "gpt-4.1-2025-04-14"
    assert response["status"] == "in_progress"  # never "incomplete": OpenAI's word for stopped at max tokens
    assert response["output"] == [
        {
            "id": "msg_67ccd2bf17f0",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hi there!", "annotations": []}],
        }
    ]


def test_a_responses_stream_torn_mid_event_keeps_the_deltas_before_the_tear():
    whole = responses_sse(*responses_events_until_text())
    torn = whole[: whole.rindex(b'"delta":"!"')]

    response = reassemble_responses_stream(torn)

    assert response is not None
    assert response["status"] == "in_progress"
    assert response["output"][0]["content"][0]["text"] == "Hi there"


def test_a_failed_responses_stream_returns_the_failed_response():
    failed = {**in_progress_response(), "status": "failed", "error": {"code": "server_error", "message": "boom"}}
    body = responses_sse(
        *responses_events_until_text()[:2],
        {"type": "response.failed", "sequence_number": 2, "response": failed},
    )

    assert reassemble_responses_stream(body) == failed


def test_a_responses_stream_with_crlf_line_endings_is_understood():
    body = responses_sse(
        *responses_events_until_text(),
        {"type": "response.completed", "sequence_number": 8, "response": completed_response()},
    ).replace(b"\n", b"\r\n")

    assert reassemble_responses_stream(body) == completed_response()


def test_a_responses_body_without_events_rebuilds_nothing():
    assert reassemble_responses_stream(b"") is None
    assert reassemble_responses_stream(b": keep-alive\n\n") is None


# -- streams cut off mid-answer: the output items that had begun ---------------------------------


def function_call_item(arguments: str, status: str) -> dict[str, Any]:
    return {
        "id": "fc_67ccf18f64008190",
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": "call_unLAR8MvFNptuiZK6K6HCy5k",
        "name": "get_weather",
    }


def function_call_events_until_arguments() -> list[dict[str, Any]]:
    """A Responses stream calling a function, up to the second piece of its arguments."""
    return [
        {"type": "response.created", "sequence_number": 0, "response": in_progress_response()},
        {
            "type": "response.output_item.added",
            "sequence_number": 1,
            "output_index": 0,
            "item": function_call_item("", "in_progress"),
        },
        *(
            {
                "type": "response.function_call_arguments.delta",
                "sequence_number": 2 + n,
                "item_id": "fc_67ccf18f64008190",
                "output_index": 0,
                "delta": delta,
            }
            for n, delta in enumerate(['{"location":', '"Paris, Fr'])
        ),
    ]


def test_a_responses_stream_cut_during_a_function_call_keeps_the_call_with_its_arguments_so_far():
    response = reassemble_responses_stream(responses_sse(*function_call_events_until_arguments()))

    assert response is not None
    assert response["status"] == "in_progress"
    assert response["output"] == [function_call_item('{"location":"Paris, Fr', "in_progress")]


def test_a_responses_stream_cut_after_an_item_was_done_keeps_that_item_as_it_was_done():
    done_item = function_call_item('{"location":"Paris, France"}', "completed")
    body = responses_sse(
        *function_call_events_until_arguments(),
        {
            "type": "response.function_call_arguments.done",
            "sequence_number": 4,
            "item_id": "fc_67ccf18f64008190",
            "output_index": 0,
            "arguments": '{"location":"Paris, France"}',
        },
        {"type": "response.output_item.done", "sequence_number": 5, "output_index": 0, "item": done_item},
        {
            "type": "response.output_item.added",
            "sequence_number": 6,
            "output_index": 1,
            "item": {
                "id": "msg_67ccf190ca",
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            },
        },
    )

    response = reassemble_responses_stream(body)

    assert response is not None
    assert response["output"] == [
        done_item,
        {"id": "msg_67ccf190ca", "type": "message", "status": "in_progress", "role": "assistant", "content": []},
    ]


def test_a_responses_stream_cut_before_any_output_item_has_no_output():
    response = reassemble_responses_stream(responses_sse(*responses_events_until_text()[:2]))

    assert response is not None
    assert (response["id"], response["status"], response["output"]) == ("resp_67ccd2bed1ec8190", "in_progress", [])


def test_a_complete_function_call_stream_returns_the_response_from_response_completed():
    completed = {
        **in_progress_response(),
        "status": "completed",
        "output": [function_call_item('{"location":"Paris, France"}', "completed")],
    }
    body = responses_sse(
        *function_call_events_until_arguments(),
        {"type": "response.completed", "sequence_number": 4, "response": completed},
    )

    assert reassemble_responses_stream(body) == completed


def test_text_deltas_whose_item_never_opened_still_give_a_message_with_their_text():
    body = responses_sse(*responses_events_until_text()[4:])  # torn: from the first text delta on

    response = reassemble_responses_stream(body)

    assert response is not None
    assert response["output"] == [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi there!"}]}
    ]


def test_events_with_nonsense_indexes_are_left_out():
    events = function_call_events_until_arguments()
    body = responses_sse(
        *events,
        {**events[2], "output_index": [0]},
        {**events[2], "output_index": None},
        {
            "type": "response.content_part.added",
            "output_index": 0,
            "content_index": 10**9,
            "part": {"type": "output_text", "text": ""},
        },
    )

    response = reassemble_responses_stream(body)

    assert response is not None
    assert response["output"] == [function_call_item('{"location":"Paris, Fr', "in_progress")]


def test_a_responses_stream_broken_off_by_an_error_event_keeps_the_error_and_the_text_so_far():
    error = {"type": "error", "sequence_number": 6, "code": "server_error", "message": "The server had an error"}
    body = responses_sse(*responses_events_until_text(), error)

    response = reassemble_responses_stream(body)

    assert response is not None and response["status"] == "in_progress"
    assert response["error"] == {"message": "The server had an error", "code": "server_error"}
    assert response["output"][0]["content"][0]["text"] == "Hi there!"


def test_a_cut_stream_whose_item_never_opened_leaves_nothing_behind_for_the_next_one():
    # Items opened from a shared template once kept the earlier stream's parts in the next stream.
    delta = {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "first"}
    reassemble_responses_stream(responses_sse(delta))

    second = reassemble_responses_stream(responses_sse({**delta, "delta": "second"}))

    assert second is not None and second["output"][0]["content"][0]["text"] == "second"
