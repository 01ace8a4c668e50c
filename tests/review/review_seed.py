"""Review test helpers: a clock to move by hand, and interactions with feedback stored straight in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import uuid_utils
from interaction_rows import interaction_row
from settable_clock import DateClock
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.records import Priority, Source
from gateway.review.service import ReviewService
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Clock(DateClock):
    """The time the review service sees: starts at START and moves only when told."""

    def __init__(self, now: datetime = START) -> None:
        super().__init__(now)


async def store_interactions(
    engine: AsyncEngine, count: int, app: str = "support-bot", question: str = "What is the fee?"
) -> list[str]:
    """`count` answered chat interactions of `app`; returns their ids."""
    rows = [interaction_row(app, question=f"{question} ({n})", answer=f"The fee is 2% ({n}).") for n in range(count)]
    await InteractionStore(engine).insert_many(rows)
    return [row["id"] for row in rows]


async def open_task(engine: AsyncEngine, reviews: ReviewService) -> str:
    """A high-priority low-confidence task over one stored interaction; returns its id."""
    ids = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.42",
        priority=Priority.HIGH,
        interaction_ids=ids,
        evidence={"confidence": 0.42},
    )
    return opened.task.task.id


async def hold_answer(
    gateway: Any, authorization: str, held: bytes, hold_until: datetime | None = None, fallback: str | None = None
) -> str:
    """A task holding the answer `held` for the app calling with `authorization` until `hold_until` (half an hour
    from now by default), as the confidence gate opens one in the running `gateway`; its id."""
    services = gateway.services
    app = (await services.resolver.resolve(authorization)).app
    opened = await services.reviews.open_or_update(
        app=app,
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.30",
        priority=Priority.HIGH,
        interaction_ids=await store_interactions(services.engine, 1, app=app),
        evidence={
            "threshold": 0.7,
            HELD_KEY: held_evidence(held, hold_until or datetime.now(UTC) + timedelta(minutes=30), fallback),
        },
        tags=("held",),
    )
    assert opened is not None
    return str(opened.task.task.id)


async def give_feedback(
    engine: AsyncEngine,
    interaction_id: str,
    *,
    app: str = "support-bot",
    correction: str | None = None,
    comment: str | None = None,
    user_id: str = "user-1",
) -> None:
    """One thumbs-down event from `user_id`, with an optional correction and comment."""
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": app,
            "user_id": user_id,
            "thumbs": "down",
            "correction": correction,
            "comment": comment,
            "negative": True,
            "submitted_via": "app",
        }
    )
