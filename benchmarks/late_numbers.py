"""What the round numbering rows stored without a number costs (gateway.store.late_numbers).

Seeds --numbered interactions with their numbers (as the stores leave them), then times rounds with
nothing to number (the median and slowest of --empty-rounds, and the statements one sends), then stores
--late interactions without a number (as a gateway older than revision 0037 does: answers of two choices of
~1 KB, 1 in 100 listed out of order, with no choice_positions) and times the one round that numbers them
(and records their choices' positions). Prints the plan of the empty round's query.

SQLite by default (a new file under a temporary folder); --database-url for an empty PostgreSQL
database (migrated here first):

    .venv/bin/python -m benchmarks.late_numbers
    .venv/bin/python -m benchmarks.late_numbers --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uuid_utils
from sqlalchemy import event, exists, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store import late_numbers
from gateway.store.engine import create_engine, is_sqlite
from gateway.store.late_numbers import NUMBERED_TABLES, number_late_rows
from gateway.store.migrate import upgrade_database
from gateway.store.tables import interactions, stored_order_heads

CHUNK = 5_000


def _rows(count: int, start: datetime, numbered_from: int | None) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        row: dict[str, Any] = {
            "id": str(uuid_utils.uuid7()),
            "created_at": start + timedelta(seconds=n),
            "app": "support-bot",
            "endpoint": "chat.completions",
            "upstream": "default",
            "model": "gpt-test",
            "stream": False,
            "partial": False,
            "latency_ms": 120.0,
        }
        if numbered_from is not None:
            row["stored_seq"] = numbered_from + n
        else:
            row["response"] = _answer(reversed_order=n % 100 == 0)
        rows.append(row)
    return rows


def _answer(reversed_order: bool) -> dict[str, Any]:
    choices = [{"index": k, "message": {"role": "assistant", "content": "word " * 100}} for k in range(2)]
    return {"choices": choices[::-1] if reversed_order else choices}


async def _store(engine: AsyncEngine, count: int, numbered: bool) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        rows = _rows(size, start + timedelta(seconds=offset), offset + 1 if numbered else None)
        async with engine.begin() as connection:
            await connection.execute(insert(interactions), rows)
    if numbered:
        # The head at the last number given, as the stores leave it.
        async with engine.begin() as connection:
            await connection.execute(
                update(stored_order_heads).where(stored_order_heads.c.name == "interactions").values(seq=count)
            )


async def _plan(engine: AsyncEngine) -> str:
    query = select(*(exists().where(table.c.stored_seq.is_(None)) for table in NUMBERED_TABLES))
    compiled = str(query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if is_sqlite(engine) else "EXPLAIN ANALYZE "
    async with engine.connect() as connection:
        if not is_sqlite(engine):
            await connection.execute(text("ANALYZE interactions"))
        result = await connection.execute(text(prefix + compiled))
        return "\n".join("  " + " ".join(str(value) for value in row) for row in result)


def _timed_batches() -> list[float]:
    """Time each batch transaction of the rounds from here on: the longest any writer could wait on the head."""
    times: list[float] = []
    untimed = late_numbers.number_batch

    async def timed(*args: Any) -> int:
        started = time.perf_counter()
        try:
            return await untimed(*args)
        finally:
            times.append(time.perf_counter() - started)

    late_numbers.number_batch = timed  # type: ignore[assignment]
    return times


async def run(url: str, numbered: int, late: int, empty_rounds: int) -> None:
    engine = create_engine(url)
    try:
        await _store(engine, numbered, numbered=True)
        print(f"{'SQLite' if is_sqlite(engine) else 'PostgreSQL'}: {numbered:,} numbered interactions")
        print("empty round's query plan:\n" + await _plan(engine))
        sent: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        times = []
        for _ in range(empty_rounds):
            sent.clear()
            started = time.perf_counter()
            assert await number_late_rows(engine) == 0
            times.append(time.perf_counter() - started)
        print(
            f"empty round: median {statistics.median(times) * 1000:.2f} ms, slowest {max(times) * 1000:.2f} ms"
            f" over {empty_rounds} rounds; {len(sent)} statement(s) a round"
        )
        await _store(engine, late, numbered=False)
        batches = _timed_batches()
        started = time.perf_counter()
        count = await number_late_rows(engine)
        seconds = time.perf_counter() - started
        print(
            f"round numbering {count:,} late interactions: {seconds:.2f} s in {len(batches)} transactions,"
            f" the slowest {max(batches) * 1000:.0f} ms (the head is held for part of one)"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--numbered", type=int, default=100_000)
    parser.add_argument("--late", type=int, default=10_000)
    parser.add_argument("--empty-rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'late.db'}"
        upgrade_database(url)
        asyncio.run(run(url, args.numbered, args.late, args.empty_rounds))


if __name__ == "__main__":
    main()
