"""Rebuilding whole Responses API answers from their server-sent event streams, as OpenAI formats them."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.recording.reassembly import reassemble_responses_stream

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


def test_a_responses_stream_cut_before_completion_is_rebuilt_from_its_deltas_as_incomplete():
    body = responses_sse(*responses_events_until_text())

    response = reassemble_responses_stream(body)

    assert response is not None
    assert response["id"] == "resp_67ccd2bed1ec8190"
    assert response["model"] == "gpt-4.1-2025-04-14"
    assert response["status"] == "incomplete"
    assert response["output"] == [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi there!"}]}
    ]


def test_a_responses_stream_torn_mid_event_keeps_the_deltas_before_the_tear():
    whole = responses_sse(*responses_events_until_text())
    torn = whole[: whole.rindex(b'"delta":"!"')]

    response = reassemble_responses_stream(torn)

    assert response is not None
    assert response["status"] == "incomplete"
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
