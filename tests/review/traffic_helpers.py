"""Seeding an app's recent traffic and its feedback straight into a store, and the real embedder, for the rule tests."""

from __future__ import annotations

import csv
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uuid_utils
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import SentenceTransformerEmbedder
from gateway.review.traffic_index import TrafficIndex
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.recent_traffic import RecentTrafficStore

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77" / "train.csv"

REFUNDS = [
    "How do I get a refund for my order?",
    "I want my money back for the broken blender",
    "Where is the refund for my returned shoes?",
    "Can I get a refund on my cancelled order?",
    "My refund still has not arrived",
    "How long does a refund take to show up?",
    "I returned the item, when do I get my money back?",
    "Refund my purchase please, it arrived damaged",
    "Why was my refund request rejected?",
    "Can you refund the shipping cost too?",
    "I was charged twice, please refund one payment",
    "The refund went to the wrong card",
]
OTHER_TOPICS = [
    "What are your opening hours on Sunday?",
    "How do I change the language of the app?",
    "Do you ship to Canada?",
    "Is there a student discount?",
    "How do I delete my account?",
    "Can I pay with PayPal?",
    "Where can I find the user manual for the coffee machine?",
    "Do you have gift cards?",
]


@functools.cache
def shared_embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test process."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@functools.cache
def banking_questions(count: int, offset: int = 0) -> tuple[str, ...]:
    """`count` questions of banking77's training set (real end-user messages), every 20th row from `offset`.

    The file is sorted by category; the stride spreads a sample over all 77 of them.
    """
    with BANKING77.open(newline="") as handle:
        texts = [row["text"].strip() for row in csv.DictReader(handle)]
    return tuple(dict.fromkeys(texts[offset::20]))[:count]


async def store_questions(
    engine: AsyncEngine, questions: list[str], app: str = "support-bot", age: timedelta = timedelta(0)
) -> list[str]:
    """Store one chat interaction per question, created `age` ago; returns their ids in order."""
    created = datetime.now(UTC) - age
    rows = [
        interaction_row(app, question=question, answer="Here is some help.", created_at=created)
        for question in questions
    ]
    await InteractionStore(engine).insert_many(rows)
    return [row["id"] for row in rows]


async def give_feedback(
    engine: AsyncEngine, interaction_ids: list[str], negative: bool = True, app: str = "support-bot"
) -> None:
    """One thumbs-down (or up) per interaction from user-1: their current feedback on it."""
    store = FeedbackStore(engine)
    for interaction_id in interaction_ids:
        await store.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": interaction_id,
                "created_at": datetime.now(UTC),
                "app": app,
                "user_id": "user-1",
                "thumbs": "down" if negative else "up",
                "negative": negative,
                "submitted_via": "app",
            }
        )


def traffic_index(engine: AsyncEngine, window: timedelta = timedelta(days=7), cap: int = 100_000) -> TrafficIndex:
    """A traffic index over `engine` with the real embedder behind the database cache."""

    async def embed(texts):
        return await embed_with_database_cache(engine, shared_embedder(), texts)

    return TrafficIndex(RecentTrafficStore(engine), embed, window=window, cap=cap)
