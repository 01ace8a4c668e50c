"""A small validator of OpenAI's fine-tuning JSONL lines: what `chat` and `preference` lines must be.

Written from OpenAI's fine-tuning reference (the chat format's messages, the `weight` of an
assistant message, the preference format's `input` / `preferred_output` / `non_preferred_output`),
stricter where Feedgate promises more: in a chat line only the labelled answer is trained on.
Each function returns the problems it finds, as sentences naming the place; [] when the line is valid.
"""

from __future__ import annotations

from typing import Any

# The keys each role's message may carry in a fine-tuning file (the request's message shapes, plus
# `weight` on an assistant message of a chat line). The roles are those of OpenAI's fine-tuning
# input (FineTuneChatRequestInput's messages in its OpenAPI spec: system, user, assistant, tool,
# function); the chat request's `developer` message is not among them.
MESSAGE_KEYS: dict[str, set[str]] = {
    "system": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "name", "refusal", "audio", "tool_calls", "function_call", "weight"},
    "tool": {"role", "content", "tool_call_id"},
    "function": {"role", "content", "name"},
}
TOOL_SETTINGS = {"tools", "parallel_tool_calls", "functions"}


def chat_line_problems(line: dict[str, Any]) -> list[str]:
    """What makes `line` no valid chat fine-tuning example that trains on its last message alone."""
    problems = [f"unknown top-level key {key!r}" for key in line if key not in {"messages", *TOOL_SETTINGS}]
    messages = line.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'messages' must be a non-empty list"]
    problems += _messages_problems(messages, weights=True)
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return [*problems, "the last message must be the assistant's answer"]
    if last.get("weight", 1) != 1:
        problems.append("the last message (the labelled answer) must be trained on")
    if not _says_something(last):
        problems.append("the last message must have non-blank content, tool calls or a function call")
    for index, message in enumerate(messages[:-1]):
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("weight") != 0:
            problems.append(f"messages[{index}]: an earlier assistant turn was not labelled: it needs weight 0")
    return problems


def preference_line_problems(line: dict[str, Any]) -> list[str]:
    """What makes `line` no valid preference (DPO) fine-tuning example."""
    problems = [
        f"unknown top-level key {key!r}"
        for key in line
        if key not in {"input", "preferred_output", "non_preferred_output"}
    ]
    given = line.get("input")
    if not isinstance(given, dict):
        return [*problems, "'input' must be an object"]
    problems += [f"input: unknown key {key!r}" for key in given if key not in {"messages", *TOOL_SETTINGS}]
    messages = given.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'input.messages' must be a non-empty list"]
    problems += _messages_problems(messages, weights=False)
    outputs = []
    for name in ("preferred_output", "non_preferred_output"):
        output = line.get(name)
        if not (isinstance(output, list) and len(output) == 1 and isinstance(output[0], dict)):
            problems.append(f"{name!r} must be a list of one assistant message")
            continue
        message = output[0]
        if set(message) != {"role", "content"} or message["role"] != "assistant":
            problems.append(f"{name!r} must be {{'role': 'assistant', 'content': text}}")
        elif not isinstance(message["content"], str) or not message["content"].strip():
            problems.append(f"{name!r} must have non-blank text")
        else:
            outputs.append(message["content"].strip())
    if len(outputs) == 2 and outputs[0] == outputs[1]:
        problems.append("the preferred and the non-preferred output say the same")
    return problems


def _messages_problems(messages: list[Any], *, weights: bool) -> list[str]:
    problems: list[str] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            problems.append(f"{where}: not an object")
            continue
        role = message.get("role")
        allowed = MESSAGE_KEYS.get(role) if isinstance(role, str) else None
        if allowed is None:
            problems.append(f"{where}: unknown role {role!r}")
            continue
        if not weights:
            allowed = allowed - {"weight"}
        problems += [
            f"{where}: key {key!r} is not in the {role} message's format" for key in message if key not in allowed
        ]
        problems += [
            f"{where}: {key!r} is null" for key, value in message.items() if value is None and key != "content"
        ]
        if "weight" in message and message["weight"] not in (0, 1):
            problems.append(f"{where}: weight must be 0 or 1")
        if "tool_calls" in message:
            problems += _tool_calls_problems(where, message["tool_calls"])
        if "function_call" in message:
            problems += _function_call_problems(where, message["function_call"])
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            problems.append(f"{where}: a tool message needs its tool_call_id")
        if role != "assistant" and message.get("content") is None:
            problems.append(f"{where}: a {role} message needs content")
    return problems


def _tool_calls_problems(where: str, calls: Any) -> list[str]:
    if not isinstance(calls, list) or not calls:
        return [f"{where}: tool_calls must be a non-empty list"]
    problems = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(call, dict)
            or set(call) != {"id", "type", "function"}
            or call["type"] != "function"
            or not isinstance(function, dict)
            or set(function) != {"name", "arguments"}
            or not isinstance(function["arguments"], str)
        ):
            problems.append(f"{where}: a tool call must be {{id, type: function, function: {{name, arguments}}}}")
    return problems


def _function_call_problems(where: str, call: Any) -> list[str]:
    # The older `functions`' answer: one call, {name, arguments}, with no id or type.
    if not isinstance(call, dict) or set(call) != {"name", "arguments"} or not isinstance(call["arguments"], str):
        return [f"{where}: a function call must be {{name, arguments}}"]
    return []


def _says_something(message: dict[str, Any]) -> bool:
    content = message.get("content")
    has_text = (isinstance(content, str) and bool(content.strip())) or (isinstance(content, list) and bool(content))
    return has_text or bool(message.get("tool_calls")) or bool(message.get("function_call"))
