"""An interaction's conversation as a person reads it: every turn of the request, tool calls and tool results too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model asked to call: its name and its arguments as sent (JSON text)."""

    id: str | None
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation: who said it, the text, the tool calls it made, the call it answers."""

    role: str
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    # For a tool result: the id of the call it answers.
    tool_call_id: str | None = None
    # Parts that are not text (images, audio, files), by type.
    other_parts: tuple[str, ...] = ()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def tool_call_of(raw: Any) -> ToolCall | None:
    """A chat completions tool call ({"function": {...}}) or a Responses function_call item, as a ToolCall."""
    if not isinstance(raw, dict):
        return None
    nested = raw.get("function")
    function = nested if isinstance(nested, dict) else raw
    name = function.get("name")
    if not isinstance(name, str):
        return None
    arguments = function.get("arguments")
    call_id = raw.get("id") or raw.get("call_id")
    return ToolCall(call_id if isinstance(call_id, str) else None, name, "" if arguments is None else _text(arguments))


def tool_calls_of(raw: Any) -> tuple[ToolCall, ...]:
    """The tool calls in a list of raw calls (the interaction's `tool_calls`, a message's `tool_calls`)."""
    if not isinstance(raw, list):
        return ()
    return tuple(call for call in (tool_call_of(item) for item in raw) if call is not None)


def _content(content: Any) -> tuple[str, tuple[str, ...]]:
    if content is None:
        return "", ()
    if isinstance(content, str):
        return content, ()
    if isinstance(content, list):
        texts, others = [], []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, dict):
                others.append(str(part.get("type", "part")))
        return "\n".join(texts), tuple(others)
    return _text(content), ()


def _turn(item: Any) -> Turn | None:
    if isinstance(item, str):
        return Turn("user", item)
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    if kind == "function_call":
        call = tool_call_of(item)
        return Turn("assistant", "", (call,) if call else ())
    if kind == "function_call_output":
        return Turn("tool", _text(item.get("output", "")), tool_call_id=item.get("call_id"))
    text, others = _content(item.get("content"))
    return Turn(
        role=str(item.get("role", kind or "unknown")),
        text=text,
        tool_calls=tool_calls_of(item.get("tool_calls")),
        tool_call_id=item.get("tool_call_id") if isinstance(item.get("tool_call_id"), str) else None,
        other_parts=others,
    )


def conversation(request: Any) -> tuple[Turn, ...]:
    """Every turn the request carried: chat `messages`, Responses `instructions` and `input`, a completions `prompt`."""
    if not isinstance(request, dict):
        return ()
    turns: list[Turn] = []
    if isinstance(request.get("instructions"), str):
        turns.append(Turn("system", request["instructions"]))
    for key in ("messages", "input", "prompt"):
        value = request.get(key)
        items = value if isinstance(value, list) else [value] if value is not None else []
        for item in items:
            turn = _turn(item)
            if turn is not None:
                turns.append(turn)
    return tuple(turns)
