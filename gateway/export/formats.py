"""The export formats: each labelled example as one JSON line, or none (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum

from gateway.export.examples import Json, TrainingExample


class ExportFormat(StrEnum):
    """What `feedgate export` writes."""

    # OpenAI chat fine-tuning: {"messages": [..., {"role": "assistant", "content": preferred}]}.
    CHAT = "chat"
    # OpenAI preference fine-tuning (DPO): the preferred answer over the original one.
    PREFERENCE = "preference"
    # Every field of every example, for your own pipeline.
    JSONL = "jsonl"


def chat_line(example: TrainingExample) -> str | None:
    """The conversation ending in the preferred answer."""
    messages = [*example.conversation, {"role": "assistant", "content": example.preferred}]
    return _line({"messages": messages})


def preference_line(example: TrainingExample) -> str | None:
    """The preferred answer over the original; None when they say the same or there is no original."""
    if example.original is None or not example.original.strip() or not example.differs:
        return None
    return _line(
        {
            "input": {"messages": example.conversation},
            "preferred_output": [{"role": "assistant", "content": example.preferred}],
            "non_preferred_output": [{"role": "assistant", "content": example.original}],
        }
    )


def jsonl_line(example: TrainingExample) -> str | None:
    """The example with every field."""
    return _line(example.as_json())


def _line(document: Json) -> str:
    # ensure_ascii=False: keeps non-English training text readable and the file smaller.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


LINE_WRITERS: dict[ExportFormat, Callable[[TrainingExample], str | None]] = {
    ExportFormat.CHAT: chat_line,
    ExportFormat.PREFERENCE: preference_line,
    ExportFormat.JSONL: jsonl_line,
}
