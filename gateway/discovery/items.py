"""The feedback a clustering run looks at: interactions whose current feedback is negative.

An item's answer is the text of the choice its complaints judge (feedback's `choice`, named by
gateway.domain.choice_numbers' rule; 0 when a post names none): with `n` > 1 the interaction's
`response_text` is only the first listed choice's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import FeedbackItem
from gateway.domain.answer_choices import choice_text
from gateway.store.negative_feedback import NegativeFeedbackStore

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NegativeItems:
    """One app's negatively rated interactions as feedback items, with per-item negative counts."""

    items: list[FeedbackItem]
    # Interaction id -> how many users' current feedback on it is negative.
    negative_counts: dict[str, int]


async def load_negative_items(engine: AsyncEngine, app: str, *, answers: bool = True) -> NegativeItems:
    """`app`'s interactions with current negative feedback, oldest first; with `answers=False` (documents that leave
    the answer out) the items carry no answer."""
    return negative_items(await NegativeFeedbackStore(engine).complaints(app, answers=answers))


def negative_items(complaints: Iterable[Row]) -> NegativeItems:
    """Feedback items from complaint rows (see NegativeFeedbackStore.complaints), one per interaction, in order."""
    grouped: dict[str, list[Row]] = {}
    for row in complaints:
        grouped.setdefault(row["id"], []).append(row)
    items = []
    for interaction_id, events in grouped.items():
        first = events[0]
        items.append(
            FeedbackItem(
                interaction_id=interaction_id,
                app=first["app"],
                user_message=last_user_message(first["request"]),
                answer=judged_answer((event["choice"], _judged_text(event)) for event in events),
                # Several users may have complained about one answer: every voice counts.
                comment=_joined(event["comment"] for event in events),
                correction=_joined(event["correction"] for event in events),
                created_at=first["created_at"],
            )
        )
    return NegativeItems(items=items, negative_counts={key: len(events) for key, events in grouped.items()})


def _judged_text(row: Row) -> str | None:
    # The store reads the stored answer only for a complaint whose choice is not the recorded one.
    return (
        row["response_text"] if row["recorded"] else choice_text(row["response"], row["response_text"], row["choice"])
    )


def judged_answer(judged: Iterable[tuple[int, str | None]]) -> str | None:
    """The answer a feedback item carries, from each complaint's (choice, that choice's text): the texts of the
    choices judged, in number order, each once (users who complained about two choices complained about both)."""
    texts = dict(sorted(judged, key=lambda pair: pair[0])).values()
    return _joined(dict.fromkeys(texts))


def _joined(texts: Any) -> str | None:
    present = [text for text in texts if text]
    return "\n".join(present) if present else None


def last_user_message(request: Any) -> str:
    """The last thing the user said in an OpenAI chat, Responses or completions request."""
    if not isinstance(request, dict):
        return ""
    for key in ("messages", "input"):
        turns = request.get(key)
        if isinstance(turns, str):
            return turns
        if isinstance(turns, list):
            for turn in reversed(turns):
                if isinstance(turn, dict) and turn.get("role") == "user":
                    return _content_text(turn.get("content"))
    prompt = request.get("prompt")
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and prompt and isinstance(prompt[-1], str):
        return prompt[-1]
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        # Multimodal content: keep the text parts, skip images and audio.
        parts = [part.get("text") for part in content if isinstance(part, dict)]
        return "\n".join(part for part in parts if isinstance(part, str))
    return ""
