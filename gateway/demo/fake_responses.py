"""The fake upstream's Responses API answers (POST /v1/responses): a response object, or its typed events.

    tools        a function tool (`{"type": "function", "name", "parameters"}`) gets a call to the first one,
                 a `function_call` item (its string parameters get the answer's text), unless `tool_choice` is
                 "none" or the input ends with a tool's result (`function_call_output`): then the answer is text,
                 as a real model answers once it has the result
    text.format  json_schema or json_object: the answer's text is a JSON object (see gateway.demo.fake_answers)

A stream sends the item's events as OpenAI does: a message's text deltas, or a call's argument deltas (8
characters each, so they split across several events), between response.created and response.completed.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from gateway.demo import fake_answers, fake_logprobs, payloads

Json = dict[str, Any]

_TEXT_CONFIG: Json = {"format": {"type": "text"}, "verbosity": "medium"}
ARGUMENT_PIECE = 8  # characters of a call's arguments per delta event


def responses(req: dict[str, Any], override: str | None = None) -> payloads.Reply:
    """A Responses API object, or its typed events: a message, or a call to a function tool (see the module's doc)."""
    given = req.get("input")
    text = override if override is not None else payloads.answer_text(req, payloads.last_user_text(given))
    tools = function_tools(req)
    call = fake_answers.tool_call(tools, text) if tools else None
    if call is None:
        text = structured_text(req, text) if "text" in req else text
    pieces = payloads.split_words(text)
    output_tokens = len(pieces) if call is None else payloads.count_tokens(call[1])
    input_tokens = payloads.prompt_tokens(given) + payloads.count_tokens(payloads.content_text(req.get("instructions")))
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
    response_id, now = payloads.new_id("resp_"), int(time.time())
    entries: list[dict[str, Any]] = []
    item: dict[str, Any]
    if call is None:
        top = fake_logprobs.responses_top_logprobs(req)
        confidence = fake_logprobs.target_confidence(payloads.last_user_text(given))
        entries = [] if top is None else fake_logprobs.token_logprobs(pieces, confidence, top)
        part = {"type": "output_text", "annotations": [], "logprobs": entries, "text": text}
        item = {
            "id": payloads.new_id("msg_"),
            "type": "message",
            "status": "completed",
            "content": [part],
            "role": "assistant",
        }
    else:
        item = function_call_item(payloads.new_id("fc_"), payloads.new_id("call_"), *call)
    final = _response(req, response_id, now, "completed", [item], usage)
    if not req.get("stream"):
        return orjson.dumps(final)
    pending = _response(req, response_id, now, "in_progress", [], None)
    return stream_events(pending, final, item, pieces, entries)


def _response(req: dict[str, Any], rid: str, now: int, status: str, output: list[Any], usage: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "response",
        "created_at": now,
        "status": status,
        "background": False,
        "completed_at": now if status == "completed" else None,
        "error": None,
        "incomplete_details": None,
        "instructions": req.get("instructions"),
        "max_output_tokens": req.get("max_output_tokens"),
        "model": payloads.model_name(req),
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": req.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": req.get("store", True),
        "temperature": req.get("temperature", 1.0),
        "text": text_config(req),
        "tool_choice": req.get("tool_choice", "auto"),
        "tools": req.get("tools") or [],
        "top_p": req.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": req.get("metadata") or {},
    }


def function_tools(req: Json) -> list[Json]:
    """The request's function tools the model calls now: none when told not to or when given a tool's result."""
    tools = req.get("tools")
    if not isinstance(tools, list) or req.get("tool_choice") == "none":
        return []
    given = req.get("input")
    last = given[-1] if isinstance(given, list) and given else None
    if isinstance(last, dict) and last.get("type") == "function_call_output":
        return []
    return [tool for tool in tools if isinstance(tool, dict) and tool.get("type") == "function"]


def text_config(req: Json) -> Json:
    """The response's `text`: the request's, or plain text."""
    given = req.get("text")
    return {**_TEXT_CONFIG, **given} if isinstance(given, dict) else _TEXT_CONFIG


def structured_text(req: Json, text: str) -> str:
    """The answer's text in the shape `text.format` asks for (a JSON object), else `text` itself."""
    given = text_config(req).get("format")
    if not isinstance(given, dict) or given.get("type") not in ("json_schema", "json_object"):
        return text
    # The chat API's response_format nests the schema under json_schema; the Responses API's format holds it.
    return fake_answers.json_answer({"type": given["type"], "json_schema": given}, text)


def function_call_item(item_id: str, call_id: str, name: str, arguments: str) -> Json:
    """A completed `function_call` output item."""
    return {
        "id": item_id,
        "type": "function_call",
        "status": "completed",
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }


def stream_events(pending: Json, final: Json, item: Json, pieces: list[str], entries: list[Json]) -> list[bytes]:
    """The SSE events of a response of one output item: a message of text `pieces`, or a function call."""
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        data = orjson.dumps({"type": kind, "sequence_number": len(events), **fields})
        events.append(b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n")

    emit("response.created", response=pending)
    emit("response.in_progress", response=pending)
    if item["type"] == "function_call":
        where = {"item_id": item["id"], "output_index": 0}
        arguments = item["arguments"]
        emit("response.output_item.added", output_index=0, item={**item, "status": "in_progress", "arguments": ""})
        for start in range(0, len(arguments), ARGUMENT_PIECE):
            emit("response.function_call_arguments.delta", **where, delta=arguments[start : start + ARGUMENT_PIECE])
        emit("response.function_call_arguments.done", **where, arguments=arguments)
    else:
        part = item["content"][0]
        where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
        emit("response.output_item.added", output_index=0, item={**item, "status": "in_progress", "content": []})
        emit("response.content_part.added", **where, part={**part, "text": "", "logprobs": []})
        for index, piece in enumerate(pieces):
            emit("response.output_text.delta", **where, delta=piece, logprobs=entries[index : index + 1])
        emit("response.output_text.done", **where, text=part["text"], logprobs=entries)
        emit("response.content_part.done", **where, part=part)
    emit("response.output_item.done", output_index=0, item=item)
    emit("response.completed", response=final)
    return events
