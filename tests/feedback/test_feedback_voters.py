"""Current feedback is per voter: an anonymous token is one voter whatever user ids it claims, in SQL and in memory alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.feedback import FeedbackEvent
from gateway.feedback.history import current_per_user
from gateway.store.current_feedback import current_feedback, has_current_negative
from gateway.store.tables import feedback

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(
    event_id: str, interaction_id: str, user_id: str | None, voter: str | None, *, negative: bool
) -> dict[str, Any]:
    return {
        "id": event_id,
        "interaction_id": interaction_id,
        "user_id": user_id,
        "voter": voter,
        "created_at": NOW,
        "app": "app",
        "negative": negative,
        "submitted_via": "token" if voter else "app",
    }


EVENTS = [
    # One anonymous browser claiming two users: one voter, its latest counts.
    event("e1", "i1", "ann", "token:A", negative=True),
    event("e2", "i1", "bob", "token:A", negative=False),
    # A named user (no voter: the user id is the voter) is another voter, even if a token once claimed the name.
    event("e3", "i1", "ann", None, negative=False),
    # Two tokens on one interaction are two voters, whatever they claim.
    event("e4", "i2", "x", "token:B", negative=True),
    event("e5", "i2", "x", "token:C", negative=False),
    # Events with neither are the interaction's one anonymous voice.
    event("e6", "i3", None, None, negative=True),
    event("e7", "i3", None, None, negative=False),
]


async def stored(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(feedback), EVENTS)


def in_memory() -> set[str]:
    by_interaction: dict[str, list[FeedbackEvent]] = {}
    for row in EVENTS:
        by_interaction.setdefault(row["interaction_id"], []).append(FeedbackEvent.from_row(row))
    return {event.id for events in by_interaction.values() for event in current_per_user(events)}


async def test_sql_and_memory_agree_on_each_voters_current_event(engine: AsyncEngine):
    await stored(engine)
    current = current_feedback(feedback.c.id)
    async with engine.connect() as connection:
        in_sql = set((await connection.execute(select(current.c.id))).scalars())

    assert in_sql == in_memory() == {"e2", "e3", "e4", "e5", "e7"}


async def test_a_negative_superseded_by_the_same_tokens_later_post_is_not_current(engine: AsyncEngine):
    await stored(engine)
    async with engine.connect() as connection:
        negative = {
            interaction_id: await connection.scalar(select(has_current_negative(literal(interaction_id))))
            for interaction_id in ("i1", "i2", "i3")
        }

    assert {key: bool(value) for key, value in negative.items()} == {"i1": False, "i2": True, "i3": False}
