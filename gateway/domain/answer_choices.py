"""The choices of an answer to `n` > 1, as the pages show them and as feedback's `choice` names them.

A chat or legacy completion holds its choices in `choices`, in the order the upstream listed them; a choice
number (a feedback event's or a decision's `choice`) names one by gateway.domain.choice_numbers' rule (its `index`,
wherever it is listed). The recorded answer (the interaction's `response_text`, what search and the listings read)
is the first listed choice's: choice 0 when the upstream lists them in order. What pairs feedback or a decision with
an answer (clustering, review examples, the export) reads the choice it judges through `choice_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gateway.domain.choice_numbers import choice_position, in_number_order
from gateway.domain.conversation import ToolCall, tool_calls_of
from gateway.recording.reassembly import content_text, message_calls

# OpenAI's bound on `n`: an index past it names no choice any answer has.
MAX_CHOICE_INDEX = 127


def shown_value(value: Any) -> str:
    """A short JSON rendering of a refused value, for an error message."""
    try:
        shown = repr(value) if isinstance(value, float) else orjson.dumps(value).decode()
    except TypeError:  # e.g. an integer beyond 64 bits
        shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def not_a_choice_index(value: Any) -> str:
    """What a `choice` that is no index (a string, true, 1.5) is told: one wording, /v1/feedback's and the review API's."""
    return (
        f"'choice' must be the index of one of the answer's choices, 0 to {MAX_CHOICE_INDEX}, not {shown_value(value)}"
    )


@dataclass(frozen=True, slots=True)
class AnswerChoice:
    """One choice of an answer: its number (what feedback's `choice` names), text, tool calls and finish reason."""

    index: int
    text: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None


def _choices(response: Any) -> list[Any]:
    choices = response.get("choices") if isinstance(response, dict) else None
    return choices if isinstance(choices, list) else []


def choice_count(response: Any) -> int:
    """How many choices a stored answer holds (a chat or legacy completion's `choices`; 1 for any other)."""
    return len(_choices(response)) or 1


def choices_listed(count: int) -> str:
    """The choices an answer of `count` has, as a refusal of a `choice` it lacks names them: "2 choices (0 to 1)"."""
    return "1 choice (0)" if count == 1 else f"{count} choices (0 to {count - 1})"


def _choice(index: int, raw: Any) -> AnswerChoice:
    if not isinstance(raw, dict):
        return AnswerChoice(index, None)
    finish_reason = raw.get("finish_reason") if isinstance(raw.get("finish_reason"), str) else None
    message = raw.get("message")
    if isinstance(message, dict):  # a chat completion's
        return AnswerChoice(
            index, content_text(message.get("content")), tool_calls_of(message_calls(message)), finish_reason
        )
    text = raw.get("text")  # a legacy completion's
    return AnswerChoice(index, text if isinstance(text, str) else None, (), finish_reason)


def answer_choices(response: Any) -> tuple[AnswerChoice, ...]:
    """Every choice of a stored chat or legacy completion, by number; () for an answer with no `choices`."""
    return tuple(_choice(number, raw) for number, raw in enumerate(in_number_order(_choices(response))))


def choice_text(response: Any, response_text: str | None, choice: int) -> str | None:
    """The text of the answer's choice `choice`: the recorded answer's when it is the first listed (or the answer lists
    no choices and `choice` is 0); None when the answer has no such choice."""
    choices = _choices(response)
    if not choices:
        return response_text if choice == 0 else None
    position = choice_position(choices, choice)
    if position is None:
        return None
    return response_text if position == 0 else _choice(choice, choices[position]).text
