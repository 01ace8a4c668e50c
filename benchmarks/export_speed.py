"""The training-data export over a large store: its wall time, its slowest chunk, and a digest of what it wrote.

Seeds a database with --examples labelled answers (55 % end users' corrections, 45 % reviewers'
decisions, half approvals and half corrections) among as many unlabelled chat calls, plus the rows
an export reads past: thumbs without a correction, corrections their voter took back, rejected
review tasks; a fifth of the labelled answers were given under a gateway fix (a knowledge note or a
prompt version). Rows are written straight into the tables (the stores' one-row paths would take
longer than the export), each batch's calls, feedback events and decisions numbered in stored order
from their tables' heads as the stores number them (`take_numbers`, gateway.store.stored_order), so an
export following the stored order reads them as it reads stored ones; then the whole `chat` export runs once, as `feedgate export` runs it,
into a file: wall time, the slowest chunk's read, lines written and the output's sha256 (the same
database must give the same digest under any revision).

SQLite by default (a file under a temporary folder, or --sqlite FILE, seeded only when new); with
--postgres, a private server (initdb on a free port of 56000-56999, removed afterwards) or
--database-url for one already seeded or empty. `--fresh-statistics` times the export before the
planner has statistics on the new rows (autovacuum off on the tables, no ANALYZE): what an export
right after a bulk load meets. `--explain` prints the plan of one chunk from the middle of each
source (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) instead of exporting.

To compare revisions on one database, seed it once and run this file with each revision's
checkout on PYTHONPATH (it migrates the database to that revision's head first):

    .venv/bin/python -m benchmarks.export_speed --sqlite /tmp/export.db
    .venv/bin/python -m benchmarks.export_speed --postgres --keep
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import uuid_utils
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from benchmarks.pg_instance import PrivatePostgres
from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.store import training_examples
from gateway.store.engine import create_engine
from gateway.store.migrate import upgrade_database
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import feedback, interactions, review_decisions, review_task_interactions, review_tasks
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

BATCH = 2_000
APPS = ("support-bot", "sales-bot", "docs-bot")
TOPICS = ("refund", "fee", "password reset", "delivery", "invoice", "account", "card", "transfer", "limit", "login")
SEEDED_TABLES = ("interactions", "feedback", "review_tasks", "review_task_interactions", "review_decisions")
START = datetime(2026, 1, 1, tzinfo=UTC)
# The tables whose rows the stores number in stored order (gateway.store.stored_order): the seed numbers them too.
NUMBERED = (interactions, feedback, review_decisions)


def _id() -> str:
    return str(uuid_utils.uuid7())


def _chat(rng: random.Random, number: int, at: datetime, fixed: bool) -> dict[str, Any]:
    """One answered chat call of about 1 KB; `fixed`: answered under a knowledge note or a prompt version."""
    topic = rng.choice(TOPICS)
    question = f"Question {number}: how does the {topic} work for order {rng.randrange(10**6)}? " * 3
    answer = f"The {topic} for your order works like this: step {number % 7}, then the next one. " * 4
    policies = None
    if fixed:
        note = (
            {"policy": "knowledge", "action": "replace_body", "entries": [{"id": _id(), "version": 1, "score": 0.8}]}
            if number % 2
            else {"policy": "prompts", "action": "replace_body", "version": 2, "version_id": _id(), "arm": "active"}
        )
        policies = [note]
    messages = [{"role": "system", "content": f"You answer {topic} questions."}, {"role": "user", "content": question}]
    return {
        "id": _id(),
        "created_at": at,
        "app": APPS[number % len(APPS)],
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-4o-mini",
        "stream": False,
        "partial": False,
        "request": {"model": "gpt-4o-mini", "messages": messages},
        "response": {
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
        },
        "response_text": answer,
        "finish_reason": "stop",
        "status_code": 200,
        "policies": policies,
    }


def _feedback(
    interaction: dict[str, Any], at: datetime, user: str, correction: str | None, thumbs: str
) -> dict[str, Any]:
    return {
        "id": _id(),
        "interaction_id": interaction["id"],
        "created_at": at,
        "app": interaction["app"],
        "user_id": user,
        "thumbs": thumbs,
        "correction": correction,
        "negative": thumbs == "down" or correction is not None,
        "submitted_via": "app",
    }


def _reviewed(
    interaction: dict[str, Any], at: datetime, outcome: str, correction: str | None
) -> list[tuple[Any, dict[str, Any]]]:
    """A resolved single-interaction task and its deciding decision, as (table, row) pairs."""
    task_id = _id()
    task = {
        "id": task_id,
        "app": interaction["app"],
        "source": "confidence",
        "reason": "Low confidence",
        "priority": "medium",
        "status": "resolved",
        "deadline": at + timedelta(days=1),
        "evidence": {"confidence": 0.4},
        "second_opinion": False,
        "round": 1,
        "outcome": outcome,
        "created_at": at,
        "updated_at": at,
        "closed_at": at,
    }
    held = {"interaction_id": interaction["id"], "task_id": task_id, "added_at": at}
    decision = {
        "id": _id(),
        "task_id": task_id,
        "round": 1,
        "reviewer": "alice",
        "outcome": outcome,
        "correction": correction,
        "created_at": at,
    }
    return [(review_tasks, task), (review_task_interactions, held), (review_decisions, decision)]


async def _number(connection: AsyncConnection, table: Table, batch: list[dict[str, Any]]) -> None:
    """Give `batch` its places in `table`'s stored order, from the table's head as the stores take them
    (gateway.store.stored_order): what an export following the stored order reads, and where the next row
    a store inserts is numbered from."""
    first = await connection.run_sync(take_numbers, table, len(batch)) + 1
    for number, row in enumerate(batch, start=first):
        row[STORED_SEQ] = number


async def seed(engine: AsyncEngine, examples: int, seed_number: int = 7) -> None:
    """--examples labelled answers and the rows around them, in batches (see the module's docstring)."""
    rng = random.Random(seed_number)
    rows: dict[Any, list[dict[str, Any]]] = {}
    stored = 0

    async def flush(force: bool = False) -> None:
        nonlocal stored
        if not force and len(rows.get(interactions, ())) < BATCH:
            return
        async with engine.begin() as connection:
            for table in (interactions, review_tasks, review_task_interactions, review_decisions, feedback):
                if rows.get(table):
                    if table in NUMBERED:
                        await _number(connection, table, rows[table])
                    await connection.execute(insert(table), rows[table])
        stored += len(rows.get(interactions, ()))
        rows.clear()
        print(f"\rseeded {stored:,} interactions", end="", file=sys.stderr)

    for number in range(examples * 2):
        at = START + timedelta(seconds=number * 20)
        labelled = number % 2 == 0
        call = _chat(rng, number, at, fixed=labelled and rng.random() < 0.2)
        rows.setdefault(interactions, []).append(call)
        later = at + timedelta(hours=1)
        if not labelled:
            if rng.random() < 0.5:  # a thumb up, no example
                rows.setdefault(feedback, []).append(_feedback(call, later, f"user-{number}", None, "up"))
            elif rng.random() < 0.1:  # a rejected task, no example
                for table, row in _reviewed(call, later, "reject", None):
                    rows.setdefault(table, []).append(row)
        elif rng.random() < 0.55:
            user = f"user-{number}"
            if rng.random() < 0.3:  # a thumb down first, superseded by the correction
                rows.setdefault(feedback, []).append(_feedback(call, later, user, None, "down"))
            fixed_text = f"A corrected answer for call {number}: the {rng.choice(TOPICS)} works otherwise."
            rows.setdefault(feedback, []).append(
                _feedback(call, later + timedelta(minutes=1), user, fixed_text, "down")
            )
        else:
            outcome = "approve" if rng.random() < 0.5 else "correct"
            correction = None if outcome == "approve" else f"Reviewed answer for call {number}."
            for table, row in _reviewed(call, later, outcome, correction):
                rows.setdefault(table, []).append(row)
        await flush()
    await flush(force=True)
    print(file=sys.stderr)


async def _stored_interactions(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(interactions))).scalar_one())


async def _set_statistics(engine: AsyncEngine, fresh: bool) -> None:
    """PostgreSQL: ANALYZE the seeded tables, or (`fresh`) keep autovacuum off them so no statistics come."""
    if engine.dialect.name != "postgresql":
        if not fresh:
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        return
    async with engine.begin() as connection:
        for table in SEEDED_TABLES:
            enabled = "false" if fresh else "true"
            await connection.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = {enabled})"))
            if not fresh:
                await connection.execute(text(f"ANALYZE {table}"))


class ChunkTimer:
    """Stands in for the engine the store reads by: times each chunk's connection, the slowest and how many."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.slowest = 0.0
        self.chunks = 0

    def connect(self) -> _TimedConnection:
        """The engine's connection, timed from its opening to its closing."""
        return _TimedConnection(self._engine.connect(), self)


class _TimedConnection:
    def __init__(self, inner: Any, timer: ChunkTimer) -> None:
        self._inner = inner
        self._timer = timer
        self._started = 0.0

    async def __aenter__(self) -> Any:
        self._started = time.perf_counter()
        return await self._inner.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._inner.__aexit__(*exc)
        finally:
            self._timer.slowest = max(self._timer.slowest, time.perf_counter() - self._started)
            self._timer.chunks += 1


async def export(engine: AsyncEngine, out: Path) -> dict[str, Any]:
    """The whole chat export into `out`: seconds, slowest chunk, lines, sha256."""
    timer = ChunkTimer(engine)
    store = TrainingExampleStore(cast(AsyncEngine, timer))
    tally = ExportTally()
    digest = hashlib.sha256()
    started = time.perf_counter()
    with out.open("w", encoding="utf-8") as file:
        async for line in TrainingExport(store).lines(ExampleFilter(), ExportFormat.CHAT, tally):
            file.write(line)
            digest.update(line.encode())
    took = time.perf_counter() - started
    return {
        "seconds": took,
        "slowest_chunk": timer.slowest,
        "chunks": timer.chunks,
        "tally": tally,
        "sha256": digest.hexdigest(),
    }


async def explain(engine: AsyncEngine) -> None:
    """The plan of one chunk from the middle of each source, as the export reads it."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    async with engine.connect() as connection:
        upto = await training_examples.labels_up_to(connection)
        for source, query_of in training_examples.SOURCES.items():
            read = query_of(ExampleFilter(), upto)
            rows, label_id = (read[0], read[1]) if isinstance(read, tuple) else (read.rows, read.label_id)
            ids = rows.with_only_columns(label_id).order_by(label_id).subquery()
            total = (await connection.execute(select(func.count()).select_from(ids))).scalar_one()
            middle = (await connection.execute(select(ids.c[0]).offset(total // 2).limit(1))).scalar()
            if isinstance(read, tuple):
                statements = [rows.where(label_id > middle).order_by(label_id).limit(training_examples.CHUNK_ROWS)]
            elif hasattr(training_examples, "window_query"):
                window_read = training_examples.window_query(read, middle, training_examples.CHUNK_ROWS)
                candidates = list((await connection.execute(window_read)).all())
                window = training_examples.window_of(candidates, middle, training_examples.CHUNK_ROWS)
                statements = [window_read, training_examples.chunk_query(read, window)]
            else:
                window_end = training_examples.window_end_query(read, middle, training_examples.CHUNK_ROWS)
                end = (await connection.execute(window_end)).scalar()
                statements = [window_end, training_examples.chunk_query(read, middle, end)]
            print(f"--- {source.value}: the chunk after label {total // 2:,} of {total:,}")
            for statement in statements:
                compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
                started = time.perf_counter()
                plan = (await connection.execute(text(f"{prefix} {compiled}"))).all()
                print(f"({time.perf_counter() - started:.3f} s)")
                for row in plan:
                    print(" | ".join(str(value) for value in row))


async def run(url: str, examples: int, fresh: bool, show_plan: bool, out: Path) -> None:
    engine = create_engine(url)
    try:
        if await _stored_interactions(engine) == 0:
            if fresh:  # before the rows come: autovacuum would otherwise ANALYZE them during the seeding
                await _set_statistics(engine, fresh)
            started = time.perf_counter()
            await seed(engine, examples)
            print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        await _set_statistics(engine, fresh)
        if show_plan:
            await explain(engine)
            return
        result = await export(engine, out)
    finally:
        await engine.dispose()
    tally = result["tally"]
    sources = ", ".join(f"{tally.by_source[s.value]:,} {s.value}" for s in ExampleSource)
    print(
        f"{engine.dialect.name}: {result['seconds']:.1f} s for {tally.lines:,} lines from {tally.examples:,} examples"
        f" ({sources}); {result['chunks']} chunks, slowest {result['slowest_chunk']:.3f} s; sha256 {result['sha256']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=110_000, help="labelled answers to seed (default 110,000)")
    parser.add_argument("--sqlite", type=Path, help="this SQLite file (seeded only when it has no interactions)")
    parser.add_argument("--postgres", action="store_true", help="a private PostgreSQL server for this run")
    parser.add_argument("--database-url", help="an existing database (seeded only when it has no interactions)")
    parser.add_argument("--port", type=int, help="the private server's port (default: a random one of 56000-56999)")
    parser.add_argument(
        "--keep", action="store_true", help="leave the private server running (printed), for --database-url"
    )
    parser.add_argument("--fresh-statistics", action="store_true", help="no ANALYZE, autovacuum off the tables")
    parser.add_argument("--explain", action="store_true", help="print one chunk's plan per source, no export")
    parser.add_argument("--output", type=Path, help="keep the export in this file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="feedgate-export-bench-"))
    out = args.output or folder / "export.jsonl"
    server: PrivatePostgres | None = None
    if args.database_url:
        url = args.database_url
    elif args.postgres:
        server = PrivatePostgres(args.port or random.randint(56000, 56999), keep=args.keep)
        server.init()
        server.start()
        url = server.url
        if args.keep:
            print(f"private server left running: {url}; stop it with pg_ctl -D {server.data} stop", file=sys.stderr)
    else:
        url = f"sqlite+aiosqlite:///{args.sqlite or folder / 'export.db'}"
    try:
        upgrade_database(url)
        asyncio.run(run(url, args.examples, args.fresh_statistics, args.explain, out))
    finally:
        if server is not None and not args.keep:
            server.close()


if __name__ == "__main__":
    main()
