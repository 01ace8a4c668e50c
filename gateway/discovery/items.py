"""The feedback a clustering run looks at: interactions whose current feedback is negative."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import FeedbackItem
from gateway.store.negative_feedback import NegativeFeedbackStore

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NegativeItems:
    """One app's negatively rated interactions as feedback items, with per-item negative counts."""

    items: list[FeedbackItem]
    # Interaction id -> how many users' current feedback on it is negative.
    negative_counts: dict[str, int]


async def load_negative_items(engine: AsyncEngine, app: str) -> NegativeItems:
    """`app`'s interactions with current negative feedback, oldest first."""
    return negative_items(await NegativeFeedbackStore(engine).complaints(app))


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
                answer=first["response_text"],
                # Several users may have complained about one answer: every voice counts.
                comment=_joined(event["comment"] for event in events),
                correction=_joined(event["correction"] for event in events),
                created_at=first["created_at"],
            )
        )
    return NegativeItems(items=items, negative_counts={key: len(events) for key, events in grouped.items()})


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
