"""An issue's topic: the interactions of its app whose end-user question is nearest the issue's questions.

An issue's members are interactions with negative feedback, but its effect must be measured on
every interaction about the same thing, rated or not. So each issue gets a *question centroid*,
the normalised mean of the embeddings of its members' last end-user messages (vectors come from
the embedding cache, so each question is embedded once), and an interaction of the same app is
on the issue's topic when its own last message has a cosine of at least the threshold to that
centroid *and* a higher one than to any other live issue's centroid (of those found before the fix
went live), so topics never overlap. The threshold's default is measured by benchmarks/issue_topic.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder
from gateway.discovery.items import last_user_message
from gateway.effect.statistics import GroupCounts
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.topic_interactions import (
    interactions_with_feedback,
    issue_question_sources,
    live_issue_ids,
    requests_of,
)

# Reads a topic interaction (id, created_at, policies, negative, with_feedback) and names its
# group, e.g. ("after", "canary"); None leaves it uncounted.
Grouping = Callable[[Mapping[str, Any]], Hashable | None]


@dataclass(frozen=True, slots=True)
class TopicCentroids:
    """The question centroid of one issue and of the app's other live issues (unit rows)."""

    own: np.ndarray
    others: np.ndarray
    # How many member questions the issue's centroid averages.
    questions: int


@dataclass(slots=True)
class TopicCounts:
    """What a scan of the app's interactions found: how many it read, how many are on the topic, and per group."""

    scanned: int = 0
    on_topic: int = 0
    groups: dict[Hashable, GroupCounts] = field(default_factory=dict)


def question_centroid(vectors: np.ndarray) -> np.ndarray | None:
    """The normalised mean of `vectors` (unit rows); None when there are none or they cancel out."""
    if len(vectors) == 0:
        return None
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 1e-9 else None


def on_topic(vectors: np.ndarray, own: np.ndarray, others: np.ndarray, threshold: float) -> np.ndarray:
    """Which rows of `vectors` (unit) are on the topic of centroid `own`: cosine >= threshold and above every other centroid."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=bool)
    own_cosine = vectors @ own
    placed: np.ndarray = own_cosine >= threshold
    if len(others):
        placed &= own_cosine > (vectors @ others.T).max(axis=1)
    return placed


async def embed_questions(engine: AsyncEngine, embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Unit vectors for `texts`, through the database's embedding cache (the model runs in a worker thread)."""
    return await embed_with_database_cache(engine, embedder, texts)


async def topic_centroids(
    engine: AsyncEngine, embedder: Embedder, app: str, issue_id: str, rivals_found_before: datetime | None = None
) -> TopicCentroids | None:
    """The question centroids of `issue_id` and of `app`'s other live issues; None when the issue has no question to go by.

    `rivals_found_before` (a fix's live_at) keeps out issues found after it. Complaints a fix did
    not stop, clustered later into new issues beside this one, would otherwise take its topic's
    interactions: a canary measured at 0 % against 100 % read "not enough data yet" after one pass
    (53 of 155 on topic, then 21 of 279), and a regression could never show.
    """
    sources = await issue_question_sources(engine, app)
    if issue_id not in sources:
        return None
    live = await live_issue_ids(engine, app, rivals_found_before)
    rivals = [other for other in live if other != issue_id and sources.get(other)]
    wanted = [issue_id, *rivals]
    requests = await requests_of(engine, [i for issue in wanted for i in sources[issue]])
    questions = {
        issue: [q for q in (last_user_message(requests.get(i)) for i in sources[issue]) if q.strip()]
        for issue in wanted
    }
    texts = list(dict.fromkeys(q for issue in wanted for q in questions[issue]))
    if not questions[issue_id]:
        return None
    vectors = await embed_questions(engine, embedder, texts)
    row_of = {text: index for index, text in enumerate(texts)}

    def centroid(issue: str) -> np.ndarray | None:
        return question_centroid(vectors[[row_of[q] for q in questions[issue]]]) if questions[issue] else None

    own = await asyncio.to_thread(centroid, issue_id)
    if own is None:
        return None
    others = [c for c in await asyncio.to_thread(lambda: [centroid(r) for r in rivals]) if c is not None]
    stacked = np.vstack(others) if others else np.zeros((0, len(own)), dtype=np.float32)
    return TopicCentroids(own=own, others=stacked, questions=len(questions[issue_id]))


async def count_topic(
    engine: AsyncEngine,
    embedder: Embedder,
    app: str,
    centroids: TopicCentroids,
    since: datetime,
    until: datetime,
    threshold: float,
    group_of: Grouping,
    follow_up: timedelta | None = None,
) -> TopicCounts:
    """Read `app`'s interactions in [since, until) in chunks, keep those on the topic, and count them per `group_of` group.

    `follow_up`: only feedback given within that time of its answer counts (see interactions_with_feedback).
    """
    counts = TopicCounts()
    tallies: Counter[tuple[Hashable, str]] = Counter()
    async for rows in interactions_with_feedback(engine, app, since, until, follow_up=follow_up):
        counts.scanned += len(rows)
        asked = [(row, last_user_message(row["request"])) for row in rows]
        asked = [(row, question) for row, question in asked if question.strip()]
        if not asked:
            continue
        vectors = await embed_questions(engine, embedder, [question for _, question in asked])
        placed = await asyncio.to_thread(on_topic, vectors, centroids.own, centroids.others, threshold)
        for (row, _), is_placed in zip(asked, placed, strict=True):
            if not is_placed:
                continue
            counts.on_topic += 1
            group = group_of(row)
            if group is None:
                continue
            tallies[(group, "interactions")] += 1
            tallies[(group, "negative")] += bool(row["negative"])
            tallies[(group, "with_feedback")] += bool(row["with_feedback"])
    for group in {group for group, _ in tallies}:
        counts.groups[group] = GroupCounts(
            tallies[(group, "interactions")], tallies[(group, "negative")], tallies[(group, "with_feedback")]
        )
    return counts
