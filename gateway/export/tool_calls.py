"""Tools in training examples: what the request offered the model, and the tool calls an answer made (pure functions).

A fine-tuning example whose conversation or target holds tool calls is only whole with the tool
definitions the model was given: OpenAI's chat and preference formats carry them beside the
messages (`tools`, `parallel_tool_calls`, and the older `functions`). An answer to a request with
`functions` calls one as `function_call` (`name`, `arguments`), never `tool_calls`.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.choice_numbers import numbered_choice

Json = dict[str, Any]

# The request fields, as the app sent them, that say which tools the model could call and how.
TOOL_SETTINGS: dict[str, type] = {"tools": list, "functions": list, "parallel_tool_calls": bool}


def tool_settings_of(request: Any) -> Json:
    """The request's `tools`, `functions` and `parallel_tool_calls`, those of the right type; {} when none."""
    if not isinstance(request, dict):
        return {}
    return {key: request[key] for key, kind in TOOL_SETTINGS.items() if isinstance(request.get(key), kind)}


def choice_message(response: Any, choice: int = 0) -> Json:
    """The message of a chat completion's choice `choice` (gateway.domain.choice_numbers; {} when it has none)."""
    found = numbered_choice(response.get("choices") if isinstance(response, dict) else None, choice)
    if not isinstance(found, dict):
        return {}
    message = found.get("message")
    return message if isinstance(message, dict) else {}


def tool_calls_of(response: Any, choice: int = 0) -> tuple[Json, ...]:
    """The tool calls of a chat completion's choice `choice` (0 by default), in the shape a fine-tuning message takes.

    Each call keeps `id`, `type` and `function` (`name`, `arguments`); a stream's reassembled
    answer carries an `index` too, which is dropped. A call of another shape makes the answer
    count as having none: a broken call is no example of what to call.
    """
    calls = choice_message(response, choice).get("tool_calls")
    if not isinstance(calls, list):
        return ()
    shaped = [shaped_call(call) for call in calls]
    return () if any(call is None for call in shaped) else tuple(call for call in shaped if call is not None)


def shaped_call(call: Any) -> Json | None:
    """A tool call as a fine-tuning message takes it (`id`, `type`, `function`: `name`, `arguments`); None for another shape."""
    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
        return None
    function = call.get("function")
    if call.get("type", "function") != "function" or not isinstance(function, dict):
        return None
    name, arguments = function.get("name"), function.get("arguments")
    if not isinstance(name, str) or not name or not isinstance(arguments, str):
        return None
    return {"id": call["id"], "type": "function", "function": {"name": name, "arguments": arguments}}


def function_call_of(response: Any, choice: int = 0) -> Json | None:
    """The older `functions`' one call a chat completion's choice `choice` made (`name`, `arguments`); None when it
    made none, or one of another shape (no example of what to call)."""
    call = choice_message(response, choice).get("function_call")
    if not isinstance(call, dict):
        return None
    name, arguments = call.get("name"), call.get("arguments")
    if not isinstance(name, str) or not name or not isinstance(arguments, str):
        return None
    return {"name": name, "arguments": arguments}
