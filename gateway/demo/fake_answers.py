"""What the fake upstream's chat answers say: the text of each of `n` choices, a tool call's arguments,
and a JSON-mode answer (`response_format` json_object or json_schema) built from the answer's text.

    n                  choice 0 answers the usual text; choice i (1 <= i < n) that text + " (choice i)".
                       An `n` that is no integer from 1 to 128 (OpenAI's bounds) answers one choice.
                       Legacy completions take `n` too; the Responses API has none (one output).
    json_object        {"answer": <text>}
    json_schema        an object of the schema: strings <text> (an enum's first value), numbers 0,
                       booleans false, arrays [], nested objects filled in the same way
    tools              a call to the first tool; its string parameters get <text>. With `parallel_tool_calls: true`
                       (set, not OpenAI's default) a call to each tool, in order. A chat ending in a tool's
                       result (a `tool` message) is answered in text, as a real model answers once it has it.

JSON answers are written with a space after ":" and ",", so a stream splits one across several chunks.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_CHOICES = 128
_SAMPLE_VALUES: dict[str, Any] = {"integer": 0, "number": 0, "boolean": False, "array": [], "object": {}, "null": None}
_JSON_FORMATS = ("json_object", "json_schema")


def choice_count(req: dict[str, Any]) -> int:
    """How many choices the request asks for: its `n` when that is an integer from 1 to 128, else 1."""
    n = req.get("n")
    return n if type(n) is int and 1 <= n <= MAX_CHOICES else 1


def choice_texts(text: str, count: int) -> list[str]:
    """`count` distinct answers: `text` first, then `text` marked with each further choice's index."""
    return [text] + [f"{text} (choice {index})" for index in range(1, count)]


def json_format(req: dict[str, Any]) -> dict[str, Any] | None:
    """The request's `response_format` when it asks for JSON (json_object or json_schema), else None."""
    given = req.get("response_format")
    return given if isinstance(given, dict) and given.get("type") in _JSON_FORMATS else None


def json_answer(response_format: dict[str, Any], text: str) -> str:
    """The JSON object (as text) answering `text` in the shape `response_format` asks for."""
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    value = _sample(schema, text) if response_format.get("type") == "json_schema" else None
    if not isinstance(value, dict) or not value:
        value = {"answer": text}
    return json.dumps(value, ensure_ascii=False)


def _sample(schema: Any, text: str) -> Any:
    """A value of `schema` (a JSON Schema) in which every string is `text`."""
    if not isinstance(schema, dict):
        return text
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        return _sample(options[0], text)
    kind = schema.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null")
    properties = schema.get("properties")
    if kind == "object" or isinstance(properties, dict):
        fields = properties if isinstance(properties, dict) else {}
        return {name: _sample(field, text) for name, field in fields.items()}
    return _SAMPLE_VALUES.get(kind, text) if isinstance(kind, str) else text


def tool_call(tools: list[Any], text: str) -> tuple[str, str]:
    """(name, arguments JSON) for the first tool; string parameters get ``text``."""
    tool = tools[0] if isinstance(tools[0], dict) else {}
    function = tool.get("function") or tool
    name = function.get("name") or "tool"
    properties = (function.get("parameters") or {}).get("properties") or {"input": {"type": "string"}}
    args = {}
    for key, schema in properties.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        args[key] = _SAMPLE_VALUES.get(kind, text) if isinstance(kind, str) else text
    return name, orjson.dumps(args).decode()


def tool_calls(tools: list[Any], text: str, *, parallel: bool) -> list[tuple[str, str]]:
    """(name, arguments JSON) of each call: to the first tool, or with `parallel` to each tool."""
    return [tool_call([tool], text) for tool in (tools if parallel else tools[:1])]


def ends_with_tool_result(messages: Any) -> bool:
    """Whether a chat's last message is a tool's result (role "tool"), which the model answers in text."""
    last = messages[-1] if isinstance(messages, list) and messages else None
    return isinstance(last, dict) and last.get("role") == "tool"
