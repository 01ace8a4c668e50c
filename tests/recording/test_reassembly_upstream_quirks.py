"""Rebuilding streams from upstreams that differ from OpenAI's own: Azure's prompt filter chunk, error events mid-stream."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.recording.reassembly import reassemble_chat_stream, reassemble_completion_stream

from .sse_bodies import CREATED, chat_chunk, completion_chunk, sse, streamed_chat

# -- Azure OpenAI's prompt filter chunk -----------------------------------------------------

AZURE_SAFE = {"filtered": False, "severity": "safe"}
AZURE_FILTERS = {"hate": AZURE_SAFE, "self_harm": AZURE_SAFE, "sexual": AZURE_SAFE, "violence": AZURE_SAFE}


def azure_prompt_filter_chunk() -> dict[str, Any]:
    """Azure OpenAI's first chunk: the prompt's filter results, with id, model and created still empty."""
    return {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": AZURE_FILTERS}],
    }


def azure_chat_chunk(delta: dict[str, Any], *, finish_reason: str | None = None) -> dict[str, Any]:
    """An Azure OpenAI chat chunk: keys sorted, content filter results beside the delta."""
    return {
        "choices": [
            {
                "content_filter_results": AZURE_FILTERS if delta.get("content") else {},
                "delta": delta,
                "finish_reason": finish_reason,
                "index": 0,
                "logprobs": None,
            }
        ],
        "created": CREATED,
        "id": "chatcmpl-AzUr3xYz",
        "model": "gpt-4o-2024-08-06",
        "object": "chat.completion.chunk",
        "system_fingerprint": "fp_b705f0c291",
    }


def test_an_azure_chat_stream_is_named_by_the_first_chunk_with_an_id_model_and_created():
    body = sse(
        azure_prompt_filter_chunk(),
        azure_chat_chunk({"content": "", "role": "assistant"}),
        azure_chat_chunk({"content": "Hello"}),
        azure_chat_chunk({}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert (completion["id"], completion["model"], completion["created"]) == (
        "chatcmpl-AzUr3xYz",
        "gpt-4o-2024-08-06",
        CREATED,
    )
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Hello"


def test_an_azure_legacy_completion_stream_is_named_by_the_first_chunk_with_an_id_model_and_created():
    chunk = {**completion_chunk("Once"), "id": "cmpl-AzUr3", "model": "gpt-35-turbo-instruct"}
    body = sse(azure_prompt_filter_chunk(), chunk, {**chunk, "choices": [{**chunk["choices"][0], "text": " upon"}]})

    completion = reassemble_completion_stream(body)

    assert completion is not None
    assert (completion["id"], completion["model"], completion["created"]) == (
        "cmpl-AzUr3",
        "gpt-35-turbo-instruct",
        CREATED,
    )
    assert completion["choices"][0]["text"] == "Once upon"


def test_a_stream_cut_after_azure_s_prompt_filter_chunk_keeps_its_empty_names():
    completion = reassemble_chat_stream(sse(azure_prompt_filter_chunk(), done=False))

    assert completion is not None
    assert (completion["id"], completion["model"], completion["created"]) == ("", "", 0)


# -- an error event mid-stream --------------------------------------------------------------

SERVER_ERROR = {
    "message": "The server had an error while processing your request. Sorry about that!",
    "type": "server_error",
    "param": None,
    "code": None,
}


def test_an_error_event_mid_stream_is_kept_on_the_rebuilt_answer_with_the_text_before_it():
    body = sse(
        chat_chunk({"role": "assistant", "content": "", "refusal": None}),
        chat_chunk({"content": "Hel"}),
        {"error": SERVER_ERROR},
        done=False,
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["error"] == SERVER_ERROR
    assert completion["id"] == "chatcmpl-AbC123"
    assert completion["choices"][0]["message"]["content"] == "Hel"
    assert completion["choices"][0]["finish_reason"] is None


def test_a_stream_without_an_error_event_rebuilds_an_answer_without_an_error_key():
    completion = reassemble_chat_stream(streamed_chat(include_usage=True))

    assert completion is not None
    assert "error" not in completion


# -- pieces of odd shapes ------------------------------------------------------------------------


def test_a_stream_whose_content_also_comes_as_a_list_of_parts_keeps_the_text_of_its_text_parts():
    # Mistral's reasoning models stream their thinking as a list of parts, then the answer.
    thinking = [{"type": "thinking", "thinking": [{"type": "text", "text": "The user asks..."}]}]
    body = sse(
        chat_chunk({"role": "assistant", "content": ""}),
        chat_chunk({"content": thinking}),
        chat_chunk({"content": [{"type": "text", "text": "The capital is "}]}),
        chat_chunk({"content": "Paris."}),
        chat_chunk({}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"]["content"] == "The capital is Paris."
    assert completion["choices"][0]["finish_reason"] == "stop"


ODD_CHAT_PIECES = {
    "a null choice": {"choices": [None]},
    "choices as an object": {"choices": {"index": 0}},
    "a delta that is text": {"choices": [{"index": 0, "delta": "hi"}]},
    "an index that is text": {"choices": [{"index": "1", "delta": {"content": "x"}}]},
    "a null index": {"choices": [{"index": None, "delta": {"content": "x"}}]},
    "a null tool call": {"choices": [{"index": 0, "delta": {"tool_calls": [None]}}]},
    "arguments as an object": {
        "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": {"a": 1}}}]}}]
    },
}


@pytest.mark.parametrize("odd", ODD_CHAT_PIECES.values(), ids=ODD_CHAT_PIECES.keys())
def test_a_chat_chunk_of_an_odd_shape_is_passed_over_and_the_rest_rebuilt(odd):
    body = sse(
        chat_chunk({"role": "assistant", "content": "Par"}), {**chat_chunk(), **odd}, chat_chunk({"content": "is."})
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["id"] == "chatcmpl-AbC123"
    assert completion["choices"][0]["message"]["content"].startswith("Par")
    assert completion["choices"][0]["message"]["content"].endswith("is.")


@pytest.mark.parametrize("odd", ["a null choice", "choices as an object", "a null index"])
def test_a_legacy_completion_chunk_of_an_odd_shape_is_passed_over_and_the_rest_rebuilt(odd):
    body = sse(completion_chunk("Par"), {**completion_chunk(""), **ODD_CHAT_PIECES[odd]}, completion_chunk("is."))

    completion = reassemble_completion_stream(body)

    assert completion is not None
    assert completion["choices"][0]["text"] == "Paris."
