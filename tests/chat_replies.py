"""OpenAI chat completion responses for respx routes that stand in for an LLM."""

from __future__ import annotations

import httpx


def chat_reply(content: str, model: str = "titler") -> httpx.Response:
    """A 200 chat completion whose one choice says `content`."""
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        },
    )
