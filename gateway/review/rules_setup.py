"""Building the embedding rules' background runner from the settings (what the gateway's services wire up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.review.anomalous import AnomalousRule, AnomalousSettings
from gateway.review.findings import RuleFinding, open_finding
from gateway.review.opening import Opened
from gateway.review.rule_runner import ReviewRuleRunner
from gateway.review.service import ReviewService
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.review.traffic_index import Embed, TrafficIndex
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.leases import Lease
from gateway.store.recent_traffic import RecentTrafficStore

# The lease that elects the one gateway process judging new traffic for the anomalous rule.
ANOMALOUS_LEASE = "feedgate.review.anomalous"


def cached_embed(engine: AsyncEngine, embedder: LazyEmbedder) -> Embed:
    """Embedding through the database cache, with the gateway's shared embedder (built on first use)."""

    async def embed(texts: Sequence[str]) -> np.ndarray:
        return await embed_with_database_cache(engine, await embedder(), texts)

    return embed


def review_rule_runner(
    settings: Settings, engine: AsyncEngine, reviews: ReviewService, embedder: LazyEmbedder
) -> ReviewRuleRunner | None:
    """The runner for the enabled rules (None when both are off), opening tasks through `reviews`."""
    if not (settings.review_similar_negative_rule or settings.review_anomalous_rule):
        return None
    store = RecentTrafficStore(engine)
    window = timedelta(days=settings.review_recent_window_days)
    embed = cached_embed(engine, embedder)
    index = TrafficIndex(store, embed, window=window, cap=settings.review_recent_max_per_app)
    similar = None
    if settings.review_similar_negative_rule:
        rule = SimilarNegativeSettings(
            neighbours=settings.review_similar_negative_neighbours,
            share=settings.review_similar_negative_share,
            high_above=settings.review_similar_negative_high_above,
            min_similarity=settings.review_similar_negative_min_similarity,
            task_similarity=settings.review_similar_negative_task_similarity,
        )
        similar = SimilarNegativeRule(index, store.negative_among, rule, store.stored_among)
    anomalous = None
    if settings.review_anomalous_rule:
        anomalous = AnomalousRule(
            index,
            AnomalousSettings(
                percentile=settings.review_anomalous_percentile,
                min_index=settings.review_anomalous_min_index,
                sample=settings.review_anomalous_sample,
                profile_ttl=timedelta(seconds=settings.review_anomalous_profile_seconds),
            ),
            store.stored_among,
        )

    async def open_task(finding: RuleFinding) -> Opened | None:
        return await open_finding(reviews, finding)

    async def busy_apps() -> list[str]:
        since = datetime.now(UTC) - window
        return await store.busy_apps(since, settings.review_anomalous_min_index)

    return ReviewRuleRunner(
        index,
        open_task,
        similar=similar,
        anomalous=anomalous,
        busy_apps=busy_apps,
        # On SQLite the lease outlives a dead holder by three missed rounds (a minute at least).
        lease=Lease(engine, ANOMALOUS_LEASE, timedelta(seconds=max(60.0, 3 * settings.review_recent_refresh_seconds))),
        queue_size=settings.review_rule_queue_size,
        refresh_interval=settings.review_recent_refresh_seconds,
    )
