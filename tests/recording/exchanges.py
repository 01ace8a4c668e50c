"""Captured exchanges for the record tests: a chat request, its answer, and SSE bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.recording.exchange import Exchange

CREATED_AT = datetime(2025, 3, 14, 9, 26, 53, 589_793, tzinfo=UTC)

CHAT_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
}

CHAT_COMPLETION = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1_741_569_952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "The capital of France is Paris.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 14, "completion_tokens": 7, "total_tokens": 21},
    "system_fingerprint": "fp_06737a9306",
}


def exchange(
    *,
    endpoint: str = "chat.completions",
    request: dict[str, Any] | None = None,
    body: bytes | list[bytes] = b"",
    content_type: str = "application/json",
    status_code: int = 200,
    **fields: Any,
) -> Exchange:
    return Exchange(
        id="0195b4e2-9c1d-7a3b-8f00-000000000001",
        created_at=CREATED_AT,
        app="support-bot",
        endpoint=endpoint,
        upstream="default",
        request=CHAT_REQUEST if request is None else request,
        status_code=status_code,
        content_type=content_type,
        body_chunks=body if isinstance(body, list) else [body],
        **fields,
    )


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + orjson.dumps(event) + b"\n\n" for event in events) + b"data: [DONE]\n\n"
