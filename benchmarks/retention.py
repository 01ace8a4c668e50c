"""Pruning past the retention age on PostgreSQL at volume, and what concurrent inserts feel meanwhile.

Creates a separate database on the local server (dropped afterwards unless --keep), migrates it,
and seeds --rows interactions spread evenly over 100 days with INSERT … SELECT generate_series
(secondary indexes and user triggers are set aside while seeding and rebuilt after, as a bulk
load would): 5 % carry a feedback event, one in 250 is an issue member with a kept UMAP point and
an issue-map point, one in 500 sits in a review task, and the 5,000 distinct questions each have
an embedding-cache row. Then, while a writer-like task inserts 100 new interactions every 50 ms
through InteractionStore (as the gateway's writer does), it prunes the oldest --share with
gateway.privacy.retention.prune_before, in --batch ids per transaction. It reports the prune's
time and throughput, the per-batch times (the longest any batch held its locks), and the
concurrent inserts' latency during the prune against a quiet baseline of the same length.

    .venv/bin/python -m benchmarks.retention [--rows 5000000] [--share 0.1] [--batch 5000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np
import uuid_utils

from clustering.documents import DEFAULT_RECIPE
from clustering.embed import content_hash
from gateway.privacy.retention import prune_before
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore
from gateway.store.migrate import upgrade_database

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "feedgate_retention_bench"
DAYS = 100
QUESTIONS = 5_000
SEED_CHUNK = 500_000
# The concurrent writer: this many rows every this many seconds (~2,000 interactions a second).
WRITER_ROWS = 100
WRITER_PERIOD = 0.05
BASELINE_SECONDS = 20.0

# ids sort like the gateway's UUIDv7s: fixed-width hex of the row number, oldest first.
SEED_INTERACTIONS = """
INSERT INTO interactions (id, created_at, app, endpoint, upstream, model, stream, request, response_text,
                          status_code, partial, prompt_tokens, completion_tokens, total_tokens, latency_ms, end_user)
SELECT '00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'),
       $1::timestamptz + (g::double precision / $3::double precision) * interval '{days} days',
       (ARRAY['support-bot','search','checkout-helper','docs-qa','sales'])[1 + g % 5],
       'chat.completions', 'default', 'gpt-4o-mini', false,
       jsonb_build_object('model', 'gpt-4o-mini', 'messages',
           jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'question ' || (g % {questions})))),
       'The answer to question ' || (g % {questions}) || ' is in the help centre.',
       200, false, 12, 9, 21, 250 + g % 500, 'user-' || (g % 200000)
FROM generate_series($2::bigint, $2::bigint + $4::bigint - 1) AS g
"""
SEED_FEEDBACK = """
INSERT INTO feedback (id, interaction_id, created_at, app, user_id, thumbs, comment, negative, submitted_via)
SELECT '00000000-0000-7000-9000-' || lpad(to_hex(i.n), 12, '0'), i.id, i.created_at + interval '1 minute', i.app,
       i.end_user, CASE WHEN i.n % 40 = 0 THEN 'down' ELSE 'up' END,
       CASE WHEN i.n % 40 = 0 THEN 'wrong about question ' || (i.n % {questions}) END, i.n % 40 = 0, 'token'
FROM (SELECT id, created_at, app, end_user, ('x' || right(id, 12))::bit(48)::bigint AS n FROM interactions) AS i
WHERE i.n % 20 = 0
"""
SEED_LINKS = """
WITH picked AS (
    SELECT id, app, ('x' || right(id, 12))::bit(48)::bigint AS n FROM interactions
), members AS (
    INSERT INTO issue_members (issue_id, interaction_id)
    SELECT 'issue-' || (n % 100), id FROM picked WHERE n % 250 = 0 RETURNING interaction_id
), points AS (
    INSERT INTO reduction_points (app, interaction_id, fingerprint, coordinates)
    SELECT app, id, 'bench', '\\x0000000000000000'::bytea FROM picked WHERE n % 250 = 0 RETURNING interaction_id
), map AS (
    INSERT INTO feedback_map_points (app, interaction_id, x, y)
    SELECT app, id, 0.5, 0.5 FROM picked WHERE n % 250 = 0 RETURNING interaction_id
)
INSERT INTO review_task_interactions (interaction_id, task_id, added_at)
SELECT id, 'task-' || (n % 100), now() FROM picked WHERE n % 500 = 0
"""
SEED_ISSUES = """
INSERT INTO issues (id, app, title, status, regressed, size, negative_count, created_at, updated_at, examples)
SELECT 'issue-' || k, 'support-bot', 'issue ' || k, 'open', false, 0, 0, now(), now(), '[]'::jsonb
FROM generate_series(0, 99) AS k
"""


def database_url(name: str) -> str:
    return f"{SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def admin(statement: str) -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed(rows: int, start: datetime) -> float:
    """Fill the benchmark database; the seconds it took."""
    began = time.perf_counter()
    connection = await asyncpg.connect(f"{SERVER}/{DATABASE}")
    try:
        tables = ("interactions", "feedback", "issue_members", "reduction_points", "review_task_interactions")
        # Secondary indexes are rebuilt once after the load instead of updated row by row.
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1::text[])"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname)",
            list(tables),
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        for table in ("interactions", "feedback"):
            await connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        statement = SEED_INTERACTIONS.format(days=DAYS, questions=QUESTIONS)
        for first in range(1, rows + 1, SEED_CHUNK):
            count = min(SEED_CHUNK, rows + 1 - first)
            await connection.execute(statement, start, first, float(rows), count)
            print(f"  {first + count - 1:,} interactions", flush=True)
        await connection.execute(SEED_FEEDBACK.format(questions=QUESTIONS))
        await connection.execute(SEED_ISSUES)
        await connection.execute(SEED_LINKS)
        vector = np.ones(384, dtype="<f4").tobytes()
        await connection.copy_records_to_table(
            "embeddings",
            records=[(content_hash(f"question {q}"), "bench-model", vector, 384) for q in range(QUESTIONS)],
            columns=["content_hash", "model", "vector", "dims"],
        )
        for table in ("interactions", "feedback"):
            await connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        print("  rebuilding indexes", flush=True)
        for index in indexes:
            await connection.execute(index["indexdef"])
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - began


class Inserter:
    """A writer-like load: WRITER_ROWS new interactions every WRITER_PERIOD seconds, each batch timed."""

    def __init__(self, store: InteractionStore) -> None:
        self._store = store
        self.latencies: list[float] = []

    async def run(self, seconds: float | None, stop: asyncio.Event) -> None:
        deadline = None if seconds is None else time.perf_counter() + seconds
        while not stop.is_set() and (deadline is None or time.perf_counter() < deadline):
            now = datetime.now(UTC)
            rows = [
                {
                    "id": str(uuid_utils.uuid7()),
                    "created_at": now,
                    "app": "support-bot",
                    "endpoint": "chat.completions",
                    "upstream": "default",
                    "model": "gpt-4o-mini",
                    "stream": False,
                    "partial": False,
                    "status_code": 200,
                    "request": {"messages": [{"role": "user", "content": "a new question"}]},
                    "response_text": "a new answer",
                    "end_user": "user-new",
                }
                for _ in range(WRITER_ROWS)
            ]
            began = time.perf_counter()
            await self._store.insert_many(rows)
            self.latencies.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(WRITER_PERIOD)


class LockWatcher:
    """Samples every 25 ms whether any session of the database waits for a lock, and for how long it has."""

    def __init__(self) -> None:
        self.samples = 0
        self.waiting_samples = 0
        self.longest_wait = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        connection = await asyncpg.connect(f"{SERVER}/{DATABASE}")
        try:
            while not stop.is_set():
                waiting, longest = await connection.fetchrow(
                    "SELECT count(*), coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0)::float"
                    " FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                self.samples += 1
                if waiting:
                    self.waiting_samples += 1
                    self.longest_wait = max(self.longest_wait, longest)
                await asyncio.sleep(0.025)
        finally:
            await connection.close()

    def line(self) -> str:
        return (
            f"lock waits seen in {self.waiting_samples} of {self.samples} samples (every 25 ms), "
            f"longest {self.longest_wait * 1000:.0f} ms"
        )


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{len(ordered)} inserts of {WRITER_ROWS} rows: median {statistics.median(ordered):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"
    )


async def measure(rows: int, share: float, batch: int, start: datetime) -> None:
    url = database_url(DATABASE)
    engine = create_engine(url)
    try:
        cutoff = start + timedelta(days=DAYS * share)
        connection = await asyncpg.connect(f"{SERVER}/{DATABASE}")
        try:
            expected = await connection.fetchval("SELECT count(*) FROM interactions WHERE created_at < $1", cutoff)
            plan = await connection.fetch(
                "EXPLAIN SELECT id FROM interactions WHERE created_at < $1 ORDER BY created_at LIMIT $2", cutoff, batch
            )
            size = await connection.fetchval("SELECT pg_size_pretty(pg_total_relation_size('interactions'))")
        finally:
            await connection.close()
        print(f"interactions table with indexes: {size}; to prune: {expected:,} ({share:.0%})")
        print("batch query plan: " + " / ".join(row[0].strip() for row in plan[:2]))

        quiet = Inserter(InteractionStore(engine))
        quiet_locks, quiet_stop = LockWatcher(), asyncio.Event()
        watching = asyncio.create_task(quiet_locks.run(quiet_stop))
        await quiet.run(BASELINE_SECONDS, asyncio.Event())
        quiet_stop.set()
        await watching
        print(f"baseline (no prune), {BASELINE_SECONDS:.0f} s: {summary(quiet.latencies)}; {quiet_locks.line()}")

        busy = Inserter(InteractionStore(engine))
        stop = asyncio.Event()
        load = asyncio.create_task(busy.run(None, stop))
        busy_locks = LockWatcher()
        watching = asyncio.create_task(busy_locks.run(stop))
        batch_times: list[float] = []
        last = time.perf_counter()

        def progress(_removed: int) -> None:
            nonlocal last
            now = time.perf_counter()
            batch_times.append(now - last)
            last = now

        report = await prune_before(engine, cutoff, batch_size=batch, recipes=(DEFAULT_RECIPE,), progress=progress)
        stop.set()
        await load
        await watching
        counts = report.counts
        print(
            f"pruned {counts.interactions:,} interactions, {counts.feedback:,} feedback, {counts.issue_members:,} issue "
            f"members, {counts.review_task_links:,} task links, {counts.reduction_points:,} UMAP points, "
            f"{counts.feedback_map_points:,} map points, {counts.embeddings:,} cache rows"
        )
        print(
            f"prune: {report.seconds:.1f} s in {report.batches} batches of {batch:,} "
            f"({counts.interactions / report.seconds:,.0f} interactions/s); per batch (find ids, read texts, "
            f"delete in one transaction): median {statistics.median(batch_times) * 1000:.0f} ms, "
            f"max {max(batch_times) * 1000:.0f} ms"
        )
        print(f"during the prune: {summary(busy.latencies)}; {busy_locks.line()}")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--share", type=float, default=0.10, help="the oldest share of the rows to prune")
    parser.add_argument("--batch", type=int, default=5_000, help="interactions per delete transaction")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    start = datetime(2026, 1, 1, tzinfo=UTC)
    await admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{DATABASE}"')
    try:
        await asyncio.to_thread(upgrade_database, database_url(DATABASE))
        print(f"seeding {args.rows:,} interactions into {DATABASE}", flush=True)
        seconds = await seed(args.rows, start)
        print(f"seeded in {seconds:.0f} s")
        await measure(args.rows, args.share, args.batch, start)
    finally:
        if not args.keep:
            await admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
