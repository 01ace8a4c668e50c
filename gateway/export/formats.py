"""The export formats: each labelled example as one JSON line, or none (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum

from gateway.domain.blank_text import says_nothing
from gateway.export.examples import TrainingExample
from gateway.export.history import fine_tuning_history
from gateway.export.tool_calls import Json


class ExportFormat(StrEnum):
    """What `feedgate export` writes."""

    # OpenAI chat fine-tuning: {"messages": [..., {"role": "assistant", "content": preferred}], "tools": ...}.
    CHAT = "chat"
    # OpenAI preference fine-tuning (DPO): the preferred answer over the original one.
    PREFERENCE = "preference"
    # Every field of every example, for your own pipeline.
    JSONL = "jsonl"


def chat_line(example: TrainingExample) -> str | None:
    """The conversation ending in the preferred answer, the only turn trained on, with the tools the request offered."""
    answer: Json = {"role": "assistant", "content": example.preferred}
    if example.preferred_tool_calls:
        answer["tool_calls"] = list(example.preferred_tool_calls)
    if example.preferred_function_call is not None:
        # Written as the app called the model: the older `functions` beside the messages (kept with
        # `tool_settings`) and the answer's `function_call`, the legacy shape OpenAI's chat fine-tuning
        # still takes. Not converted to `tools` and a `tool_calls` entry: a model is trained on the
        # format it is called with, and the app calls it with `functions`; a converted call would also
        # need an id the model never gave.
        answer["function_call"] = example.preferred_function_call
    history = fine_tuning_history(example.conversation, weigh_assistant_turns=True)
    return _line({"messages": [*history, answer], **example.tool_settings})


def preference_line(example: TrainingExample) -> str | None:
    """The preferred answer over the original, both text alone; None when they say the same or either is no text."""
    if says_nothing(example.original) or example.preferred is None:
        return None
    # A pair's outputs are assistant text: an answer that also called tools (or a function) is not all in it.
    called = example.original_tool_calls or example.preferred_tool_calls
    if called or example.original_function_call is not None or not example.differs:
        return None
    return _line(
        {
            "input": {
                "messages": fine_tuning_history(example.conversation, weigh_assistant_turns=False),
                **example.tool_settings,
            },
            "preferred_output": [{"role": "assistant", "content": example.preferred}],
            "non_preferred_output": [{"role": "assistant", "content": example.original}],
        }
    )


def jsonl_line(example: TrainingExample) -> str | None:
    """The example with every field."""
    return _line(example.as_json())


def _line(document: Json) -> str:
    # ensure_ascii=False: keeps non-English training text readable and the file smaller. But LINE
    # SEPARATOR and PARAGRAPH SEPARATOR are escaped: valid raw in JSON, they are a line break to
    # Python's str.splitlines, to JavaScript before ES2019 and to some editors, which cut an example
    # in two there. They can only be inside a JSON string, where the escape means the same.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


LINE_WRITERS: dict[ExportFormat, Callable[[TrainingExample], str | None]] = {
    ExportFormat.CHAT: chat_line,
    ExportFormat.PREFERENCE: preference_line,
    ExportFormat.JSONL: jsonl_line,
}
