"""What the anomalous rule's profile pays to forget removed interactions, beside the profile it guards.

Each time an app's distance profile is recomputed (at most once per `review_anomalous_profile_seconds`, 3,600, per
app), the rule first reads which of the indexed interactions are still stored (`RecentTrafficStore.stored_among`,
primary-key reads of 500 ids) and forgets the others. This seeds `--size` stored interactions (all still stored,
so nothing is forgotten and every read is paid in full), indexes them as random unit vectors (the profile's cost
does not depend on what they mean), and times, alternating, that read and the profile itself (`distance_profile`
over a sample of 1,000), on SQLite (a temporary file) and on a private PostgreSQL (`pg_instance`, its own port).
Quote the load average with the numbers: other work on the box skews them.

    .venv/bin/python benchmarks/anomalous_profile_reads.py [--size 100000] [--runs 5] [--pg-port 56231]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import uuid_utils

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from pg_instance import database_url  # noqa: E402

from gateway.review.anomalous import distance_profile  # noqa: E402
from gateway.review.neighbours import RecentVectors  # noqa: E402
from gateway.review.stored_neighbours import forget_removed  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.migrate import upgrade_database  # noqa: E402
from gateway.store.recent_traffic import RecentTrafficStore  # noqa: E402
from gateway.store.tables import interactions  # noqa: E402

APP = "bench-app"
DIMS = 384
SAMPLE = 1_000


async def seed(url: str, ids: list[str]) -> None:
    """One minimal stored interaction per id."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    base = {"created_at": now, "app": APP, "endpoint": "chat.completions", "upstream": "default"}
    async with engine.begin() as connection:
        for start in range(0, len(ids), 500):
            rows = [{**base, "id": i} for i in ids[start : start + 500]]
            await connection.execute(interactions.insert(), rows)
    await engine.dispose()


async def measure(url: str, size: int, runs: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((size, DIMS), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [str(uuid_utils.uuid7()) for _ in range(size)]
    index = RecentVectors(DIMS, cap=size)
    index.add(ids, np.full(size, datetime.now(UTC).timestamp()), vectors)
    await seed(url, ids)
    engine = create_engine(url)
    store = RecentTrafficStore(engine)
    times: dict[str, list[float]] = {"read of every indexed id": [], "profile (reference)": []}
    try:
        for _ in range(runs):
            started = time.perf_counter()
            gone = await forget_removed(index, index.live_ids(), store.stored_among)
            times["read of every indexed id"].append(time.perf_counter() - started)
            assert not gone, "every seeded interaction is stored"
            started = time.perf_counter()
            await asyncio.to_thread(distance_profile, index, SAMPLE, 99.0, datetime.now(UTC))
            times["profile (reference)"].append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return times


def report(database: str, size: int, times: dict[str, list[float]]) -> None:
    print(f"{database}, {size:,} indexed interactions, {len(next(iter(times.values())))} alternating runs:")
    for name, values in times.items():
        print(f"  {name:26} median {statistics.median(values) * 1000:8.1f} ms  (min {min(values) * 1000:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-port", type=int, default=56231)
    arguments = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="feedgate-bench-") as folder:
        for database in arguments.databases.split(","):
            with database_url(database, Path(folder), arguments.pg_port) as url:
                upgrade_database(url)
                report(database, arguments.size, asyncio.run(measure(url, arguments.size, arguments.runs)))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
