"""`current_feedback`: each user's newest event per interaction, the same rule as `current_per_user`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.feedback import FeedbackEvent
from gateway.feedback.history import current_per_user
from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(event_id: str, interaction_id: str, user_id: str | None, *, app: str = "app") -> dict[str, Any]:
    return {
        "id": event_id,
        "interaction_id": interaction_id,
        "user_id": user_id,
        "created_at": NOW,
        "app": app,
        "negative": True,
        "submitted_via": "app",
    }


EVENTS = [
    event("e1", "i1", "ann"),
    event("e2", "i1", None),
    event("e3", "i1", "ann"),
    event("e4", "i1", None),
    # An empty user id is a user of its own, not the anonymous one.
    event("e5", "i1", ""),
    event("e6", "i2", None),
    event("e7", "i3", "ann", app="other"),
]


async def current_ids(engine: AsyncEngine, **narrowing: Any) -> set[str]:
    async with engine.begin() as connection:
        await connection.execute(insert(feedback), EVENTS)
        current = current_feedback(feedback.c.id, feedback.c.interaction_id, **narrowing)
        return set((await connection.execute(select(current.c.id))).scalars())


def in_memory(rows: list[dict[str, Any]]) -> set[str]:
    by_interaction: dict[str, list[FeedbackEvent]] = {}
    for row in rows:
        by_interaction.setdefault(row["interaction_id"], []).append(FeedbackEvent.from_row(row))
    return {event.id for events in by_interaction.values() for event in current_per_user(events)}


async def test_sql_and_memory_agree_on_named_anonymous_and_empty_users(engine: AsyncEngine):
    in_sql = await current_ids(engine)

    assert in_sql == in_memory(EVENTS) == {"e3", "e4", "e5", "e6", "e7"}


async def test_narrowing_drops_whole_interactions(engine: AsyncEngine):
    in_sql = await current_ids(engine, narrow=lambda query: query.where(feedback.c.app == "app"))

    assert in_sql == {"e3", "e4", "e5", "e6"}
