"""Rebuilding whole answers from OpenAI server-sent event streams (pure functions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

Json = dict[str, Any]


def iter_sse_data(body: bytes) -> Iterator[str]:
    """The `data:` payload of every event in an SSE body, in order."""
    text = body.decode("utf-8", errors="replace").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        data_lines = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if data_lines:
            yield "\n".join(data_lines)


def iter_sse_json(body: bytes) -> Iterator[Json]:
    """Every JSON event of an SSE body, skipping `[DONE]` and unparsable payloads."""
    for data in iter_sse_data(body):
        if data == "[DONE]":
            continue
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict):
            yield event


def reassemble_chat_stream(body: bytes) -> Json | None:
    """A `chat.completion` object equivalent to a streamed chat completion."""
    completion: Json | None = None
    choices: dict[int, Json] = {}
    for chunk in iter_sse_json(body):
        if completion is None:
            completion = {
                "id": chunk.get("id"),
                "object": "chat.completion",
                "created": chunk.get("created"),
                "model": chunk.get("model"),
            }
        if chunk.get("usage"):
            completion["usage"] = chunk["usage"]
        for delta_choice in chunk.get("choices") or []:
            index = delta_choice.get("index", 0)
            choice = choices.setdefault(
                index, {"index": index, "message": {"role": "assistant", "content": None}, "finish_reason": None}
            )
            _apply_chat_delta(choice["message"], delta_choice.get("delta") or {})
            if delta_choice.get("finish_reason"):
                choice["finish_reason"] = delta_choice["finish_reason"]
    if completion is None:
        return None
    completion["choices"] = [choices[i] for i in sorted(choices)]
    return completion


def _apply_chat_delta(message: Json, delta: Json) -> None:
    if delta.get("role"):
        message["role"] = delta["role"]
    if delta.get("content"):
        message["content"] = (message["content"] or "") + delta["content"]
    if delta.get("refusal"):
        message["refusal"] = message.get("refusal", "") + delta["refusal"]
    for call_delta in delta.get("tool_calls") or []:
        calls = message.setdefault("tool_calls", [])
        index = call_delta.get("index", len(calls))
        while len(calls) <= index:
            calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
        call = calls[index]
        if call_delta.get("id"):
            call["id"] = call_delta["id"]
        if call_delta.get("type"):
            call["type"] = call_delta["type"]
        function = call_delta.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""


def reassemble_completion_stream(body: bytes) -> Json | None:
    """A `text_completion` object equivalent to a streamed legacy completion."""
    completion: Json | None = None
    choices: dict[int, Json] = {}
    for chunk in iter_sse_json(body):
        if completion is None:
            completion = {
                "id": chunk.get("id"),
                "object": "text_completion",
                "created": chunk.get("created"),
                "model": chunk.get("model"),
            }
        if chunk.get("usage"):
            completion["usage"] = chunk["usage"]
        for piece in chunk.get("choices") or []:
            index = piece.get("index", 0)
            choice = choices.setdefault(index, {"index": index, "text": "", "finish_reason": None})
            choice["text"] += piece.get("text") or ""
            if piece.get("finish_reason"):
                choice["finish_reason"] = piece["finish_reason"]
    if completion is None:
        return None
    completion["choices"] = [choices[i] for i in sorted(choices)]
    return completion


_FINAL_RESPONSE_EVENTS = {"response.completed", "response.incomplete", "response.failed"}


def reassemble_responses_stream(body: bytes) -> Json | None:
    """The final `response` object of a streamed Responses API call.

    A finished stream carries the whole response in its last event; a cut-off one
    is rebuilt from its text deltas.
    """
    response: Json | None = None
    text_parts: list[str] = []
    for event in iter_sse_json(body):
        kind = event.get("type")
        if kind in _FINAL_RESPONSE_EVENTS and isinstance(event.get("response"), dict):
            return event["response"]
        if kind == "response.created" and isinstance(event.get("response"), dict):
            response = dict(event["response"])
        elif kind == "response.output_text.delta":
            text_parts.append(event.get("delta") or "")
    if response is None and not text_parts:
        return None
    response = response or {"object": "response"}
    response["status"] = "incomplete"
    response["output"] = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "".join(text_parts)}]}
    ]
    return response
