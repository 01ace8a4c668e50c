"""Rebuilding whole answers from OpenAI server-sent event streams (pure functions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    return _reassemble_choice_stream(body, "chat.completion", _new_chat_choice, _apply_chat_piece)


def _extend_logprobs(choice: Json, logprobs: Any) -> None:
    """Append a chunk's token log-probabilities (content and refusal) to the choice's."""
    if not isinstance(logprobs, dict):
        return
    kept = choice.setdefault("logprobs", {"content": None, "refusal": None})
    for key in ("content", "refusal"):
        tokens = logprobs.get(key)
        if isinstance(tokens, list):
            if kept[key] is None:
                kept[key] = []
            kept[key].extend(tokens)


def reassemble_completion_stream(body: bytes) -> Json | None:
    """A `text_completion` object equivalent to a streamed legacy completion."""
    return _reassemble_choice_stream(body, "text_completion", _new_text_choice, _apply_text_piece)


def _reassemble_choice_stream(
    body: bytes,
    object_type: str,
    new_choice: Callable[[int], Json],
    apply_piece: Callable[[Json, Json], None],
) -> Json | None:
    # Chat and legacy completions stream alike: the first chunk names the answer, any chunk
    # may carry usage, and each chunk's choices extend the choice with the same index.
    completion: Json | None = None
    choices: dict[int, Json] = {}
    for chunk in iter_sse_json(body):
        if completion is None:
            completion = {
                "id": chunk.get("id"),
                "object": object_type,
                "created": chunk.get("created"),
                "model": chunk.get("model"),
            }
        if chunk.get("usage"):
            completion["usage"] = chunk["usage"]
        for piece in chunk.get("choices") or []:
            index = piece.get("index", 0)
            choice = choices.get(index)
            if choice is None:
                choice = choices[index] = new_choice(index)
            apply_piece(choice, piece)
            if piece.get("finish_reason"):
                choice["finish_reason"] = piece["finish_reason"]
    if completion is None:
        return None
    completion["choices"] = [choices[i] for i in sorted(choices)]
    return completion


def _new_chat_choice(index: int) -> Json:
    return {"index": index, "message": {"role": "assistant", "content": None}, "finish_reason": None}


def _apply_chat_piece(choice: Json, piece: Json) -> None:
    # Token log-probabilities ride beside the delta, also on chunks with an empty delta.
    _extend_logprobs(choice, piece.get("logprobs"))
    delta = piece.get("delta")
    if not delta:
        return
    message = choice["message"]
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


def _new_text_choice(index: int) -> Json:
    return {"index": index, "text": "", "finish_reason": None}


def _apply_text_piece(choice: Json, piece: Json) -> None:
    choice["text"] += piece.get("text") or ""


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
        carried = event.get("response")
        if kind in _FINAL_RESPONSE_EVENTS and isinstance(carried, dict):
            return carried
        if kind == "response.created" and isinstance(carried, dict):
            response = dict(carried)
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
