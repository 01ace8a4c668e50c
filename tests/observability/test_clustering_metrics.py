"""A clustering pass reports its duration and what it found, per app."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import uuid_utils
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.discovery.job import run_clustering_pass
from gateway.observability.multiprocess import exposition
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore

from .scrape import increase, sample

TOPICS = ("refund", "password")


class TopicEmbedder:
    """Texts placed by the topic words they contain, a little apart from each other: two clear groups."""

    model_name = "topic-words-test"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            row = [1.0 if topic in text else 0.0 for topic in TOPICS]
            row.append(0.01 * (sum(map(ord, text)) % 7))
            rows.append(row)
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def seed_complaints(engine: AsyncEngine, app: str, count_per_topic: int) -> None:
    """Interactions with thumbs-down feedback, half about refunds and half about passwords."""
    rows, events = [], []
    for topic in TOPICS:
        for n in range(count_per_topic):
            row = interaction_row(app, question=f"question {n} about my {topic}", answer="Here is some help.")
            rows.append(row)
            events.append(
                {
                    "id": str(uuid_utils.uuid7()),
                    "interaction_id": row["id"],
                    "created_at": datetime.now(UTC),
                    "app": app,
                    "user_id": f"user-{n}",
                    "thumbs": "down",
                    "comment": f"the {topic} answer was wrong ({n})",
                    "negative": True,
                    "submitted_via": "app",
                }
            )
    await InteractionStore(engine).insert_many(rows)
    store = FeedbackStore(engine)
    for event in events:
        await store.append(event)


async def test_a_pass_reports_its_duration_and_sizes(engine: AsyncEngine, database_url: str):
    app = f"metrics-app-{uuid_utils.uuid4().hex[:6]}"
    await seed_complaints(engine, app, count_per_topic=6)
    before = exposition(None)[0].decode()

    summary = await run_clustering_pass(engine, Settings(database_url=database_url), TopicEmbedder(), app=app)

    after = exposition(None)[0].decode()
    (found,) = summary.apps
    assert increase(before, after, "feedgate_clustering_pass_seconds_count") == 1
    assert increase(before, after, "feedgate_clustering_pass_seconds_sum") > 0
    assert sample(after, "feedgate_clustering_items", app=app) == found.items == 12
    assert sample(after, "feedgate_clustering_clusters", app=app) == found.clusters
    assert sample(after, "feedgate_clustering_noise", app=app) == found.noise
