"""The conversation before the labelled answer, as a fine-tuning file takes it (pure functions).

Apps send their history back as their SDK gave it: the openai SDK's answer message carries the
answer's `annotations` and `refusal: null`, other servers' add `tool_calls: []` or
`function_call: null`. A fine-tuning message takes the request's shapes only, so each message
keeps the fields its role's message has, without empty ones. And OpenAI's chat fine-tuning
trains on every assistant message of an example unless its `weight` is 0: the earlier turns were
never labelled (one may be an answer a correction elsewhere says is wrong), so they get weight 0.
A fine-tuning file takes system, user, assistant, tool and function messages (the messages of
FineTuneChatRequestInput in OpenAI's OpenAPI spec), not the chat request's `developer` message:
that one, the app's instructions as newer models name them, is written as the system message it
stands for (chat completions treat the two alike on the models that are fine-tuned).
"""

from __future__ import annotations

from typing import Any

from gateway.export.tool_calls import Json, shaped_call

# The fields a fine-tuning file's message of each role may carry (OpenAI's request message shapes).
MESSAGE_FIELDS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "refusal", "audio", "tool_calls", "function_call"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
# Request roles a fine-tuning file has no message for, and the role that says the same there.
FINE_TUNING_ROLE = {"developer": "system"}
# An earlier assistant turn's weight in a chat line: shown to the model, not trained on.
NOT_TRAINED_ON = 0


def fine_tuning_history(conversation: list[Json], *, weigh_assistant_turns: bool) -> list[Json]:
    """The conversation's messages in fine-tuning shape; with `weigh_assistant_turns`, each assistant turn at weight 0."""
    shaped = [_message(message) for message in conversation]
    if weigh_assistant_turns:
        shaped = [
            {**message, "weight": NOT_TRAINED_ON} if message.get("role") == "assistant" else message
            for message in shaped
        ]
    return shaped


def _message(message: Json) -> Json:
    """The message with only its role's fields, an empty one left out (a null content stays: it says "no text")."""
    role = message.get("role")
    if isinstance(role, str) and role in FINE_TUNING_ROLE:
        role = FINE_TUNING_ROLE[role]
        message = {**message, "role": role}
    fields = MESSAGE_FIELDS.get(role) if isinstance(role, str) else None
    if fields is None:
        return message  # a role the format does not know: as sent, for the reader to see
    kept = {key: value for key, value in message.items() if key in fields and not _empty(key, value)}
    calls = kept.get("tool_calls")
    if isinstance(calls, list):
        # A call sent back from a stream's pieces may carry its `index`; reshaped when every call can be.
        reshaped = [shaped_call(call) for call in calls]
        if all(call is not None for call in reshaped):
            kept["tool_calls"] = reshaped
    return kept


def _empty(key: str, value: Any) -> bool:
    if key == "content":
        return False
    return value is None or (key == "tool_calls" and value == [])
