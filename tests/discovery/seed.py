"""Writing interactions with negative feedback straight into a store, for discovery tests."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore

REFUNDS = [
    ("How do I get a refund for my order?", "the refund never arrived in my account"),
    ("I want my money back for the broken blender", "still waiting for my refund after two weeks"),
    ("Where is the refund for my returned shoes?", "refund was promised but never paid"),
    ("Can I get a refund on my cancelled order?", "no refund yet, the money was not returned"),
]
PASSWORDS = [
    ("I forgot my password, how do I reset it?", "the password reset email never came"),
    ("How can I change my login password?", "password reset link does not work"),
    ("My password reset link expired", "cannot reset my password, the link is broken"),
    ("I am locked out and need a new password", "the reset password email is missing"),
]
SHIPPING = [
    ("When will my parcel be delivered?", "the delivery date it gave was wrong, parcel still not shipped"),
    ("Track my package please", "tracking shows the parcel shipped but delivery is late"),
    ("Why is my delivery so late?", "the package delivery is a week late"),
    ("Has my order shipped yet?", "shipping status was wrong, the parcel is delayed"),
]


async def seed_complaints(
    engine: AsyncEngine, complaints: list[tuple[str, str]], app: str = "support-bot"
) -> list[str]:
    """Store one interaction per (question, complaint) with thumbs-down feedback; returns the ids."""
    rows = []
    events = []
    for question, complaint in complaints:
        row = interaction_row(app, question=question, answer="Here is some help.")
        rows.append(row)
        events.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": row["id"],
                "created_at": datetime.now(UTC),
                "app": app,
                "user_id": "user-1",
                "thumbs": "down",
                "comment": complaint,
                "negative": True,
                "submitted_via": "app",
            }
        )
    await InteractionStore(engine).insert_many(rows)
    store = FeedbackStore(engine)
    for event in events:
        await store.append(event)
    return [row["id"] for row in rows]


async def thumbs_up(engine: AsyncEngine, interaction_ids: list[str]) -> None:
    """The users who complained change their minds: their newest feedback is positive."""
    store = FeedbackStore(engine)
    for interaction_id in interaction_ids:
        await store.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": interaction_id,
                "created_at": datetime.now(UTC),
                "app": "support-bot",
                "user_id": "user-1",
                "thumbs": "up",
                "negative": False,
                "submitted_via": "app",
            }
        )
