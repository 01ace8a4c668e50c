"""Rebuilding whole chat and legacy completions from OpenAI server-sent event streams, as OpenAI formats them."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from gateway.recording.reassembly import (
    iter_sse_data,
    iter_sse_json,
    reassemble_chat_stream,
    reassemble_completion_stream,
)

from .sse_bodies import CREATED, USAGE, chat_chunk, completion_chunk, sse, streamed_chat, usage_chunk

# -- SSE framing ------------------------------------------------------------------------


def test_data_payloads_come_out_in_order_including_done():
    assert list(iter_sse_data(b'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n')) == [
        '{"a":1}',
        '{"a":2}',
        "[DONE]",
    ]


def test_an_event_with_several_data_lines_is_joined_with_newlines():
    assert list(iter_sse_data(b"event: note\ndata: first\ndata: second\nid: 7\n\n")) == ["first\nsecond"]


def test_data_without_a_space_after_the_colon_is_read_too():
    assert list(iter_sse_json(b'data:{"a":1}\n\n')) == [{"a": 1}]


def test_json_events_skip_done_comments_junk_and_non_objects():
    body = (
        b": keep-alive comment\n\n"
        b'data: {"n":1}\n\n'
        b"data: {this is not json\n\n"
        b"garbage without a field name\n\n"
        b"data: [1, 2, 3]\n\n"
        b'data: "just a string"\n\n'
        b'data: {"n":2}\n\n'
        b"data: [DONE]\n\n"
    )

    assert list(iter_sse_json(body)) == [{"n": 1}, {"n": 2}]


# -- chat completions -------------------------------------------------------------------


def test_a_streamed_chat_is_rebuilt_as_one_chat_completion():
    completion = reassemble_chat_stream(streamed_chat())

    assert completion == {
        "id": "chatcmpl-AbC123",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "The capital of France is Paris."},
                "finish_reason": "stop",
            }
        ],
    }


def test_the_usage_chunk_with_no_choices_supplies_the_usage():
    completion = reassemble_chat_stream(streamed_chat(include_usage=True))

    assert completion is not None
    assert completion["usage"] == USAGE
    # The usage chunk's empty choices add no choice of their own.
    assert [choice["message"]["content"] for choice in completion["choices"]] == ["The capital of France is Paris."]


def test_streamed_tool_calls_are_rebuilt_from_their_pieces():
    body = sse(
        chat_chunk(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_weatherParis",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ],
                "refusal": None,
            }
        ),
        chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
        chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Par'}}]}),
        chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'is"}'}}]}),
        chat_chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_timeParis",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": ""},
                    }
                ]
            }
        ),
        chat_chunk({"tool_calls": [{"index": 1, "function": {"arguments": '{"tz": '}}]}),
        chat_chunk({"tool_calls": [{"index": 1, "function": {"arguments": '"Europe/Paris"}'}}]}),
        chat_chunk({}, finish_reason="tool_calls"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_weatherParis",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": "call_timeParis",
            "type": "function",
            "function": {"name": "get_time", "arguments": '{"tz": "Europe/Paris"}'},
        },
    ]
    assert [orjson.loads(call["function"]["arguments"]) for call in choice["message"]["tool_calls"]] == [
        {"city": "Paris"},
        {"tz": "Europe/Paris"},
    ]


def test_interleaved_choices_of_an_n_2_stream_are_kept_apart():
    body = sse(
        chat_chunk({"role": "assistant", "content": ""}, index=0),
        chat_chunk({"role": "assistant", "content": ""}, index=1),
        chat_chunk({"content": "Heads"}, index=0),
        chat_chunk({"content": "Tails"}, index=1),
        chat_chunk({"content": "!"}, index=1),
        chat_chunk({}, index=1, finish_reason="stop"),
        chat_chunk({}, index=0, finish_reason="length"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert [(c["index"], c["message"]["content"], c["finish_reason"]) for c in completion["choices"]] == [
        (0, "Heads", "length"),
        (1, "Tails!", "stop"),
    ]


def test_a_streamed_legacy_function_call_is_rebuilt_as_the_whole_answer_has_it():
    # A request with the older `functions` is answered with `function_call` pieces, not `tool_calls`.
    body = sse(
        chat_chunk({"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": ""}}),
        chat_chunk({"function_call": {"arguments": '{"city"'}}),
        chat_chunk({"function_call": {"arguments": ': "Paris"}'}}),
        chat_chunk({}, finish_reason="function_call"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"]["function_call"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert completion["choices"][0]["finish_reason"] == "function_call"


def test_a_streamed_refusal_is_rebuilt():
    body = sse(
        chat_chunk({"role": "assistant", "content": None, "refusal": ""}),
        chat_chunk({"refusal": "I can't help"}),
        chat_chunk({"refusal": " with that."}),
        chat_chunk({}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"]["refusal"] == "I can't help with that."


def test_streamed_reasoning_content_is_rebuilt_as_the_whole_answer_has_it():
    # vLLM and DeepSeek stream their thinking as `reasoning_content` pieces before the answer's
    # text, with the other key null; the whole answer holds it as `message.reasoning_content`.
    body = sse(
        chat_chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
        chat_chunk({"content": None, "reasoning_content": "The user asks"}),
        chat_chunk({"content": None, "reasoning_content": " for a capital."}),
        chat_chunk({"content": "Paris.", "reasoning_content": None}),
        chat_chunk({}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Paris.",
        "reasoning_content": "The user asks for a capital.",
    }


def test_streamed_reasoning_under_its_newer_name_is_rebuilt_too():
    # Newer vLLM (and OpenRouter) name the same pieces `reasoning`.
    body = sse(
        chat_chunk({"role": "assistant", "reasoning": "Think"}),
        chat_chunk({"reasoning": "ing."}),
        chat_chunk({"content": "Done."}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": "Done.", "reasoning": "Thinking."}


def test_streamed_audio_is_rebuilt_with_its_whole_transcript_and_data():
    # gpt-4o-audio streams pcm16 in base64 pieces beside transcript pieces; the whole answer holds one
    # base64 of all the audio (pieces are decoded and joined: base64 texts do not simply concatenate).
    audio_id = "audio_6789abcdef"
    body = sse(
        chat_chunk({"role": "assistant", "content": None, "refusal": None}),
        chat_chunk({"audio": {"id": audio_id, "transcript": "Hel"}}),
        chat_chunk({"audio": {"transcript": "lo."}}),
        chat_chunk({"audio": {"data": base64.b64encode(b"\x01\x02").decode()}}),
        chat_chunk({"audio": {"data": base64.b64encode(b"\x03\x04\x05\x06").decode()}}),
        chat_chunk({"audio": {"expires_at": 1_729_234_747}}),
        chat_chunk({}, finish_reason="stop"),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"]["audio"] == {
        "id": audio_id,
        "data": base64.b64encode(b"\x01\x02\x03\x04\x05\x06").decode(),
        "expires_at": 1_729_234_747,
        "transcript": "Hello.",
    }


def test_a_chat_stream_cut_before_its_end_keeps_what_arrived():
    whole = streamed_chat()
    cut = whole[: whole.index(b"is Paris")]  # torn in the middle of the last content chunk

    completion = reassemble_chat_stream(cut)

    assert completion is not None
    assert completion["choices"][0]["message"]["content"] == "The capital of France"
    assert completion["choices"][0]["finish_reason"] is None


def test_crlf_line_endings_are_understood():
    body = streamed_chat(include_usage=True).replace(b"\n", b"\r\n")

    assert reassemble_chat_stream(body) == reassemble_chat_stream(streamed_chat(include_usage=True))


def test_junk_between_chunks_is_ignored():
    clean = streamed_chat()
    body = clean.replace(b"data: [DONE]", b": ping\n\ndata: {broken json\n\nretry: 1000\n\ndata: [DONE]")

    assert reassemble_chat_stream(body) == reassemble_chat_stream(clean)


def test_a_body_without_events_rebuilds_nothing():
    assert reassemble_chat_stream(b"") is None
    assert reassemble_chat_stream(b"data: [DONE]\n\n") is None
    assert reassemble_chat_stream(b"<html>502 Bad Gateway</html>") is None


def test_a_long_answer_of_many_chunks_is_joined_in_order():
    words = [f" word{n}" for n in range(500)]
    body = sse(chat_chunk({"role": "assistant", "content": ""}), *(chat_chunk({"content": w}) for w in words))

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"]["content"] == "".join(words)


def test_an_answer_that_streamed_no_text_keeps_content_none():
    body = sse(chat_chunk({"role": "assistant", "content": ""}), chat_chunk({}, finish_reason="stop"))

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": None}


def with_logprobs(chunk: dict[str, Any], logprobs: dict[str, Any]) -> dict[str, Any]:
    """The chunk with token log-probabilities beside its choice's delta, where OpenAI puts them."""
    chunk["choices"][0]["logprobs"] = logprobs
    return chunk


def token(text: str) -> dict[str, Any]:
    return {"token": text, "logprob": -0.25, "bytes": list(text.encode()), "top_logprobs": []}


def test_token_logprobs_of_every_chunk_are_kept_in_order_also_from_chunks_without_text():
    body = sse(
        chat_chunk({"role": "assistant", "content": ""}),
        with_logprobs(chat_chunk({"content": "Yes"}), {"content": [token("Yes")], "refusal": None}),
        with_logprobs(chat_chunk({"content": "."}), {"content": [token(".")], "refusal": None}),
        with_logprobs(chat_chunk({}, finish_reason="stop"), {"content": [token("")], "refusal": None}),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["logprobs"] == {"content": [token("Yes"), token("."), token("")], "refusal": None}


def test_the_rebuilt_chat_keeps_its_keys_in_the_order_they_are_stored():
    body = sse(
        with_logprobs(
            chat_chunk({"role": "assistant", "content": None, "refusal": "No"}), {"content": [], "refusal": []}
        ),
        chat_chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}]}),
        usage_chunk(),
    )

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert list(completion) == ["id", "object", "created", "model", "usage", "choices"]
    assert list(completion["choices"][0]) == ["index", "message", "finish_reason", "logprobs"]
    assert list(completion["choices"][0]["message"]) == ["role", "content", "refusal", "tool_calls"]


# -- legacy completions -----------------------------------------------------------------


def test_a_streamed_legacy_completion_is_rebuilt_as_one_text_completion():
    body = sse(
        completion_chunk("Once"),
        completion_chunk(" upon"),
        completion_chunk(" a time"),
        completion_chunk("", finish_reason="length"),
        {
            "id": "cmpl-XyZ789",
            "object": "text_completion",
            "created": CREATED,
            "model": "gpt-3.5-turbo-instruct",
            "choices": [],
            "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
        },
    )

    assert reassemble_completion_stream(body) == {
        "id": "cmpl-XyZ789",
        "object": "text_completion",
        "created": CREATED,
        "model": "gpt-3.5-turbo-instruct",
        "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
        "choices": [{"index": 0, "text": "Once upon a time", "finish_reason": "length"}],
    }


def test_a_legacy_completion_of_many_chunks_is_joined_in_order():
    words = [f" w{n}" for n in range(500)]
    body = sse(*(completion_chunk(word) for word in words), completion_chunk("", finish_reason="stop"))

    completion = reassemble_completion_stream(body)

    assert completion is not None
    assert completion["choices"][0]["text"] == "".join(words)


@pytest.mark.parametrize("index", [10**9, -1, "0", None])
def test_a_tool_call_piece_with_a_nonsense_index_is_left_out(index):
    call = {"index": index, "id": "call_x", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = sse(chat_chunk({"role": "assistant", "content": "Hi"}), chat_chunk({"tool_calls": [call]}))

    completion = reassemble_chat_stream(body)

    assert completion is not None
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": "Hi", "tool_calls": []}
