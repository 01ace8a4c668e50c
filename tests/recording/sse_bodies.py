"""Streamed answers as OpenAI sends them, for the reassembly tests."""

from __future__ import annotations

from typing import Any

import orjson

CREATED = 1_727_000_000


def sse(*events: dict[str, Any] | str, done: bool = True) -> bytes:
    """An SSE body: `data: {...}\\n\\n` per event, then `data: [DONE]\\n\\n` like OpenAI's."""
    body = b"".join(
        b"data: " + (event.encode() if isinstance(event, str) else orjson.dumps(event)) + b"\n\n" for event in events
    )
    return body + (b"data: [DONE]\n\n" if done else b"")


def chat_chunk(delta: dict[str, Any] | None = None, *, finish_reason: str | None = None, index: int = 0, **extra: Any):
    chunk = {
        "id": "chatcmpl-AbC123",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_0ba0d124f1",
        "choices": [{"index": index, "delta": delta or {}, "logprobs": None, "finish_reason": finish_reason}],
    }
    chunk.update(extra)
    return chunk


USAGE = {"prompt_tokens": 19, "completion_tokens": 7, "total_tokens": 26}


def usage_chunk() -> dict[str, Any]:
    """The extra last chunk sent with stream_options.include_usage: no choices, only usage."""
    return {
        "id": "chatcmpl-AbC123",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_0ba0d124f1",
        "choices": [],
        "usage": USAGE,
    }


def streamed_chat(*, include_usage: bool = False) -> bytes:
    usage = {"usage": None} if include_usage else {}
    chunks = [
        chat_chunk({"role": "assistant", "content": "", "refusal": None}, **usage),
        chat_chunk({"content": "The capital"}, **usage),
        chat_chunk({"content": " of France"}, **usage),
        chat_chunk({"content": " is Paris."}, **usage),
        chat_chunk({}, finish_reason="stop", **usage),
    ]
    if include_usage:
        chunks.append(usage_chunk())
    return sse(*chunks)


def completion_chunk(text: str, *, finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "cmpl-XyZ789",
        "object": "text_completion",
        "created": CREATED,
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
        "model": "gpt-3.5-turbo-instruct",
    }
