"""A voter's current feedback is their latest by when it was given (created_at), ties broken by id.

Not by id alone: an id is a UUIDv7 made when the event is stored, so an imported event given long
ago gets a larger id than events given after it. Here the ids are chosen against the times ("a" is
stored first, "b" after it) to show which of the two decides.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.feedback import FeedbackEvent
from gateway.feedback.history import current_per_user
from gateway.store.current_feedback import current_feedback
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.tables import feedback, interactions
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

ASKED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


def interaction(interaction_id: str) -> dict[str, Any]:
    return {
        "id": interaction_id,
        "created_at": ASKED,
        "app": "app",
        "endpoint": "chat.completions",
        "upstream": "default",
        "request": {"model": "m", "messages": [{"role": "user", "content": "What is the fee?"}]},
        "response_text": "2 %",
    }


def event(event_id: str, interaction_id: str, given_at: datetime, *, negative: bool, **signal: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "interaction_id": interaction_id,
        "created_at": given_at,
        "app": "app",
        "user_id": "u6",
        "thumbs": signal.get("thumbs"),
        "correction": signal.get("correction"),
        "negative": negative,
        "submitted_via": "import",
    }


# u6 thumbs up on 11-05, stored first; then their thumbs down of 11-03, stored after it.
OLDER_STORED_LATER = [
    event("i1-a", "i1", LATER, negative=False, thumbs="up"),
    event("i1-b", "i1", EARLIER, negative=True, thumbs="down"),
]
# Both given at the same moment: the one stored last (the greater id) is current.
SAME_TIME = [
    event("i1-a", "i1", EARLIER, negative=False, thumbs="up"),
    event("i1-b", "i1", EARLIER, negative=True, thumbs="down"),
]


async def store(engine: AsyncEngine, events: list[dict[str, Any]]) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(interactions), [interaction(i) for i in sorted({e["interaction_id"] for e in events})]
        )
        await connection.execute(insert(feedback), events)


async def current_in_sql(engine: AsyncEngine) -> set[str]:
    current = current_feedback(feedback.c.id, feedback.c.interaction_id)
    async with engine.connect() as connection:
        return set((await connection.execute(select(current.c.id))).scalars())


def current_in_memory(events: list[dict[str, Any]]) -> set[str]:
    return {e.id for e in current_per_user(FeedbackEvent.from_row(row) for row in events)}


async def negative_ids(engine: AsyncEngine) -> list[str]:
    rows = await InteractionStore(engine).list(InteractionFilter(feedback="negative"), 10)
    return [row["id"] for row in rows]


async def exported_corrections(engine: AsyncEngine) -> list[str]:
    return [row["label_id"] async for row in TrainingExampleStore(engine).stream(ExampleFilter())]


async def test_sql_an_older_event_stored_later_is_not_current(engine: AsyncEngine):
    await store(engine, OLDER_STORED_LATER)

    assert await current_in_sql(engine) == {"i1-a"}


def test_memory_an_older_event_stored_later_is_not_current():
    assert current_in_memory(OLDER_STORED_LATER) == {"i1-a"}


async def test_sql_a_tie_in_time_goes_to_the_greater_id(engine: AsyncEngine):
    await store(engine, SAME_TIME)

    assert await current_in_sql(engine) == {"i1-b"}


def test_memory_a_tie_in_time_goes_to_the_greater_id():
    assert current_in_memory(SAME_TIME) == {"i1-b"}


async def test_the_negative_filter_ignores_an_older_negative_stored_later(engine: AsyncEngine):
    await store(engine, OLDER_STORED_LATER)

    assert await negative_ids(engine) == []


async def test_the_negative_filter_counts_a_later_negative_stored_first(engine: AsyncEngine):
    await store(
        engine,
        [
            event("i1-a", "i1", LATER, negative=True, thumbs="down"),
            event("i1-b", "i1", EARLIER, negative=False, thumbs="up"),
        ],
    )

    assert await negative_ids(engine) == ["i1"]


async def test_the_negative_filter_breaks_a_tie_in_time_by_id(engine: AsyncEngine):
    await store(engine, SAME_TIME)

    assert await negative_ids(engine) == ["i1"]


async def test_the_export_leaves_out_an_older_correction_stored_later(engine: AsyncEngine):
    await store(
        engine,
        [
            event("i1-a", "i1", LATER, negative=False, thumbs="up"),
            event("i1-b", "i1", EARLIER, negative=True, correction="It is 1 %."),
        ],
    )

    assert await exported_corrections(engine) == []


async def test_the_export_keeps_a_later_correction_stored_first(engine: AsyncEngine):
    await store(
        engine,
        [
            event("i1-a", "i1", LATER, negative=True, correction="It is 1 %."),
            event("i1-b", "i1", EARLIER, negative=False, thumbs="up"),
        ],
    )

    assert await exported_corrections(engine) == ["i1-a"]


async def test_the_export_breaks_a_tie_in_time_by_id(engine: AsyncEngine):
    await store(
        engine,
        [
            event("i1-a", "i1", EARLIER, negative=True, correction="It is 1 %."),
            event("i1-b", "i1", EARLIER, negative=True, correction="It is 1.5 %."),
        ],
    )

    assert await exported_corrections(engine) == ["i1-b"]
