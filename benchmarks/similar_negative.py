"""How long the similar-negative rule takes per feedback over an app with 100,000 recent interactions.

The index holds random unit vectors (the kNN cost does not depend on what they mean); each
evaluation is for an interaction that is *not* in the index, so its message (a distinct banking77
question) is read from the store and embedded by the real bundled model, through a cache that
misses. Current negative feedback is read from a real SQLite database holding one event per
negative interaction (10 % of the index). Timed: `SimilarNegativeRule.evaluate`, as the background
runner calls it, both for a query it must embed and for one already indexed (the usual case: the
runner refreshes the index, embedding new traffic in batches, before it evaluates), plus the
stages on their own. Quote the load average with the numbers: other work on the box skews them.

    .venv/bin/python benchmarks/similar_negative.py [--size 100000] [--runs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import uuid_utils

from clustering.embed import InMemoryEmbeddingCache, SentenceTransformerEmbedder, embed_with_cache
from gateway.review.neighbours import RecentVectors
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.review.traffic_index import TrafficIndex
from gateway.store.engine import create_engine
from gateway.store.migrate import upgrade_database
from gateway.store.recent_traffic import RecentTrafficStore
from gateway.store.tables import feedback

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "test.csv"
APP = "bench-app"
DIMS = 384


class QueryStore:
    """The store calls evaluate makes for an interaction outside the index: its request, by id."""

    def __init__(self, questions: dict[str, str]) -> None:
        self._questions = questions

    async def interaction(self, interaction_id: str) -> dict[str, Any] | None:
        question = self._questions[interaction_id]
        request = {"messages": [{"role": "user", "content": question}]}
        now = datetime.now(UTC)
        return {"id": interaction_id, "app": APP, "created_at": now, "endpoint": "chat.completions", "request": request}


def random_index(size: int, seed: int = 0) -> tuple[RecentVectors, list[str]]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((size, DIMS), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [str(uuid_utils.uuid7()) for _ in range(size)]
    index = RecentVectors(DIMS, cap=size)
    now = datetime.now(UTC).timestamp()
    index.add(ids, np.full(size, now), vectors)
    return index, ids


async def seed_negatives(url: str, ids: Sequence[str]) -> None:
    engine = create_engine(url)
    rows = [
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": i,
            "created_at": datetime.now(UTC),
            "app": APP,
            "user_id": "u",
            "thumbs": "down",
            "negative": True,
            "submitted_via": "app",
        }
        for i in ids
    ]
    async with engine.begin() as connection:
        for start in range(0, len(rows), 500):
            await connection.execute(feedback.insert(), rows[start : start + 500])
    await engine.dispose()


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


async def main(size: int, runs: int) -> None:
    with BANKING77.open(newline="") as handle:
        questions = list(dict.fromkeys(row["text"].strip() for row in csv.DictReader(handle)))[: runs + 20]
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    cache = InMemoryEmbeddingCache()

    async def embed(texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(embed_with_cache, embedder, cache, list(texts))

    built = time.perf_counter()
    vectors, ids = random_index(size)
    build_s = time.perf_counter() - built
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(upgrade_database, url)
        rng = np.random.default_rng(1)
        await seed_negatives(url, list(rng.choice(ids, size=size // 10, replace=False)))
        engine = create_engine(url)
        traffic = RecentTrafficStore(engine)
        query_ids = {str(uuid_utils.uuid7()): q for q in questions}
        index = TrafficIndex(QueryStore(query_ids), embed, window=timedelta(days=7), cap=size)  # type: ignore[arg-type]
        index.adopt(APP, vectors, datetime.now(UTC))

        # The index's ids are made up (no interaction rows): every one counts as stored, so the rule forgets none.
        # The store's own lookup is one primary-key read of the ten neighbours, beside `negative_among`'s.
        async def all_stored(found: Sequence[str]) -> set[str]:
            return set(found)

        rule = SimilarNegativeRule(index, traffic.negative_among, SimilarNegativeSettings(), all_stored)

        stages: dict[str, list[float]] = {
            "embed query (model, cache miss)": [],
            "kNN over the index (to_thread)": [],
            "negative lookup (SQLite)": [],
            "evaluate, query embedded (total)": [],
            "evaluate, query already indexed (total)": [],
        }
        # CPU time of the whole process (every thread) per evaluation: less swayed by other work on the box.
        cpu_ms: dict[str, list[float]] = {name: [] for name in stages}
        fired = 0
        items = list(query_ids.items())
        for n, (interaction_id, _question) in enumerate(items[:runs]):
            started, cpu = time.perf_counter(), time.process_time()
            finding = await rule.evaluate(APP, interaction_id)
            stages["evaluate, query embedded (total)"].append((time.perf_counter() - started) * 1000)
            cpu_ms["evaluate, query embedded (total)"].append((time.process_time() - cpu) * 1000)
            fired += finding is not None
            # The usual case: the runner refreshed the index before evaluating, so the vector is there.
            started, cpu = time.perf_counter(), time.process_time()
            await rule.evaluate(APP, ids[int(rng.integers(size))])
            stages["evaluate, query already indexed (total)"].append((time.perf_counter() - started) * 1000)
            cpu_ms["evaluate, query already indexed (total)"].append((time.process_time() - cpu) * 1000)
            # The stages on their own, on another distinct text (so the embedding is computed, not cached).
            other = items[(n + runs // 2) % len(items)][1] + " (again)"
            t0 = time.perf_counter()
            query = (await embed([other]))[0]
            t1 = time.perf_counter()
            found = await asyncio.to_thread(vectors.nearest, query, 10, None, index.cutoff())
            t2 = time.perf_counter()
            await traffic.negative_among([f.interaction_id for f in found])
            t3 = time.perf_counter()
            stages["embed query (model, cache miss)"].append((t1 - t0) * 1000)
            stages["kNN over the index (to_thread)"].append((t2 - t1) * 1000)
            stages["negative lookup (SQLite)"].append((t3 - t2) * 1000)
        await engine.dispose()

    print(
        f"similar-negative rule: {size:,} indexed interactions ({DIMS}-d float32, {size * DIMS * 4 / 1e6:.0f} MB), "
        f"{runs} evaluations, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; index built in {build_s:.1f} s; "
        f"{fired} evaluations found a task (random vectors, 10 % negative: expected few)"
    )
    print()
    print("| stage | p50 ms | p99 ms | max ms | CPU p50 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, values in stages.items():
        cpu = f"{statistics.median(cpu_ms[name]):.1f}" if cpu_ms[name] else "–"
        p50, p99 = statistics.median(values), percentile(values, 99)
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {max(values):.1f} | {cpu} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.size, arguments.runs))
