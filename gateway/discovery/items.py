"""The feedback a clustering run looks at: interactions whose current feedback is negative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import FeedbackItem
from gateway.store.tables import feedback, interactions


@dataclass(frozen=True, slots=True)
class NegativeItems:
    """One app's negatively rated interactions as feedback items, with per-item negative counts."""

    items: list[FeedbackItem]
    # Interaction id -> how many users' current feedback on it is negative.
    negative_counts: dict[str, int]


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp as aware UTC (SQLite returns naive values that were stored as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _current_negative_feedback(app: str | None = None) -> Any:
    """Each user's newest feedback event per interaction, kept only when it is negative."""
    c = feedback.c
    position = func.row_number().over(partition_by=[c.interaction_id, c.user_id], order_by=c.id.desc())
    ranked = select(c.interaction_id, c.app, c.negative, c.comment, c.correction, position.label("position"))
    if app is not None:
        ranked = ranked.where(c.app == app)
    current = ranked.subquery()
    return select(current).where(current.c.position == 1, current.c.negative.is_(True)).subquery()


async def apps_with_negative_feedback(engine: AsyncEngine) -> list[str]:
    """Every app with at least one interaction whose current feedback is negative."""
    negative = _current_negative_feedback()
    async with engine.connect() as connection:
        return sorted((await connection.execute(select(negative.c.app).distinct())).scalars())


async def load_negative_items(engine: AsyncEngine, app: str) -> NegativeItems:
    """`app`'s interactions with current negative feedback, oldest first."""
    negative = _current_negative_feedback(app)
    query = (
        select(
            interactions.c.id,
            interactions.c.app,
            interactions.c.created_at,
            interactions.c.request,
            interactions.c.response_text,
            negative.c.comment,
            negative.c.correction,
        )
        .join(negative, negative.c.interaction_id == interactions.c.id)
        .order_by(interactions.c.id)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    grouped: dict[str, list[Any]] = {}
    for row in rows:
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
                created_at=as_utc(first["created_at"]),
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
