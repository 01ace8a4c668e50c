"""A streamed legacy completion's log-probabilities, one chunk's tokens at a time, are rebuilt as the whole answer has them."""

from __future__ import annotations

from typing import Any

from gateway.recording.reassembly import reassemble_completion_stream

from .sse_bodies import completion_chunk, sse


def _with_logprobs(chunk: dict[str, Any], logprobs: dict[str, Any] | None) -> dict[str, Any]:
    chunk["choices"][0]["logprobs"] = logprobs
    return chunk


def _token(token: str, logprob: float, offset: int) -> dict[str, Any]:
    return {"tokens": [token], "token_logprobs": [logprob], "top_logprobs": [{token: logprob}], "text_offset": [offset]}


def test_each_chunks_log_probabilities_are_joined_in_order():
    body = sse(
        _with_logprobs(completion_chunk("Once"), _token("Once", -0.1, 6)),
        _with_logprobs(completion_chunk(" upon"), _token(" upon", -0.2, 10)),
        _with_logprobs(completion_chunk("", finish_reason="stop"), None),
    )

    completion = reassemble_completion_stream(body)

    assert completion is not None
    assert completion["choices"][0]["logprobs"] == {
        "tokens": ["Once", " upon"],
        "token_logprobs": [-0.1, -0.2],
        "top_logprobs": [{"Once": -0.1}, {" upon": -0.2}],
        "text_offset": [6, 10],
    }


def test_a_stream_without_log_probabilities_rebuilds_none():
    completion = reassemble_completion_stream(sse(completion_chunk("Once"), completion_chunk("", finish_reason="stop")))

    assert completion is not None
    assert "logprobs" not in completion["choices"][0]
