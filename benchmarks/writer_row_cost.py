"""The writer's CPU per stored row before the database: building the row, then converting it to the columns' values.

Run: `PYTHONPATH=TREE .venv/bin/python benchmarks/writer_row_cost.py [--rows 64] [--rounds 5]`

The interaction writer turns each Exchange into a row (gateway.recording.writer_rows.rows_of: parsing the answer,
rebuilding a stream) on a worker thread, then converts rows a 64-row page at a time into the values of one
multi-row INSERT (gateway.store.interaction_inserts: each column's own SQLAlchemy type). Neither touches the
database, so both are timed here alone, in one process: the benchmark's chat call (proxy_overhead.py's request)
answered as JSON and as a 12-event stream, pages converted for SQLite and for PostgreSQL (asyncpg), CPU
microseconds a row, the median of the rounds. The code measured is the `gateway` on PYTHONPATH (the script's own
folder holds none), so two trees compare by running it once with each, alternating.

`--store BATCHES` measures storing instead: the writer's sink (InteractionStore.insert_many, with its lock wait) on a
fresh SQLite file, batches of --rows built rows, while a task keeps the event loop busy (~50 µs of work, then a yield,
as live traffic would: every hand-off from aiosqlite's thread waits for the loop's thread to let go of the GIL).
Each round stores --store batches with the loop idle, then as many with it busy. Printed: the trips a batch makes to
aiosqlite's thread (calls put on its queue); the process's CPU µs per stored row with the loop idle, and busy (the busy
task's own CPU, measured alone first, taken off: noisier), of which aiosqlite's thread's (its own CPU clock); and the
wall time a batch took with the loop busy; medians of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from gateway.exact_json import dumps_exact, loads_exact
from gateway.recording.exchange import Exchange
from gateway.recording.writer_rows import rows_of
from gateway.store.engine import create_engine
from gateway.store.interaction_inserts import _Pages
from gateway.store.interactions import InteractionStore
from gateway.store.migrate import upgrade_database

# The busy task's work between yields to the loop: a fixed count of steps (~50 µs here), not a time, so that its CPU,
# measured alone, is the same while storing however the host schedules the threads.
BUSY_SLICE_STEPS = 1_500

ANSWER = orjson.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Your order is on its way."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48},
    }
)
EVENT = b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}\n\n'
EVENTS = [EVENT] * 11 + [b"data: [DONE]\n\n"]
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"},
]


def _json_text(value: object) -> str:
    return dumps_exact(value).decode()  # as gateway.store.engine serializes JSON columns


def _exchange(stream: bool) -> Exchange:
    body = orjson.dumps({"model": "gpt-4o-mini", "stream": stream, "messages": MESSAGES})
    chunks = list(EVENTS) if stream else [ANSWER]
    content_type = "text/event-stream" if stream else "application/json"
    return Exchange(
        str(uuid_utils.uuid7()), datetime.now(UTC), "app-one", "chat.completions", "default", orjson.loads(body),
        "user-1", None, 200, content_type, "", chunks, None, False, 1.2, 0.8, None, body, None, None,
        sum(map(len, chunks)),
    )  # fmt: skip


def _dialects() -> dict[str, Dialect]:
    return {
        "sqlite": sqlite.dialect(json_serializer=_json_text, json_deserializer=loads_exact),
        "postgresql": postgresql.asyncpg.dialect(json_serializer=_json_text, json_deserializer=loads_exact),
    }


def measure(stream: bool, rows: int, rounds: int) -> dict[str, float]:
    """CPU µs a row: building rows of `rows` exchanges, and converting them a page at a time for each database."""
    pages = {name: _Pages(dialect) for name, dialect in _dialects().items()}
    times: dict[str, list[float]] = {"build": [], **{f"convert, {name}": [] for name in pages}}
    for _ in range(rounds):
        exchanges = [_exchange(stream) for _ in range(rows)]
        started = time.process_time()
        for _ in range(20):
            built = rows_of(exchanges)
        times["build"].append((time.process_time() - started) / 20 / rows * 1e6)
        for name, converter in pages.items():
            names = converter._columns(built)  # noqa: SLF001 - the page's own steps, timed alone
            started = time.process_time()
            for _ in range(20):
                converter._page(names, built)  # noqa: SLF001
            times[f"convert, {name}"].append((time.process_time() - started) / 20 / rows * 1e6)
    return {step: statistics.median(values) for step, values in times.items()}


class CountingQueue:
    """aiosqlite's queue of calls for its connection's thread, counting them: one call, one trip."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.calls = 0

    def put_nowait(self, item: Any) -> None:
        self.calls += 1
        self.queue.put_nowait(item)


def _busy_slice() -> None:
    for _ in range(BUSY_SLICE_STEPS):
        pass


async def _keep_busy(running: asyncio.Event, slices: list[int]) -> None:
    while running.is_set():
        _busy_slice()
        slices[0] += 1
        await asyncio.sleep(0)


async def _busy_cpu_per_slice(seconds: float = 0.5) -> float:
    """The process CPU one slice of the busy task costs, loop included, with nothing else running."""
    running, slices = asyncio.Event(), [0]
    running.set()
    started = time.process_time()
    task = asyncio.create_task(_keep_busy(running, slices))
    await asyncio.sleep(seconds)
    running.clear()
    await task
    return (time.process_time() - started) / slices[0]


async def measure_store(url: str, rows: int, batches: int, rounds: int) -> dict[str, float]:
    """Per round, `batches` batches of `rows` stored with the loop idle, then as many with it busy: trips a batch,
    CPU µs a stored row (the process's; the busy task's taken off; aiosqlite's thread alone) and ms a batch, medians."""
    engine = create_engine(url)
    store = InteractionStore(engine, sqlite_lock_wait=1.0)
    await store.insert_many(rows_of([_exchange(False)]))  # the pooled connection, made
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
    trips = driver._tx = CountingQueue(driver._tx)  # noqa: SLF001 - every call to its thread goes through it
    database_thread = time.pthread_getcpuclockid(driver._thread.ident)  # noqa: SLF001
    per_slice = await _busy_cpu_per_slice()
    results: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    for _ in range(rounds):
        for busy_loop in (False, True):
            built = [rows_of([_exchange(n % 2 == 0) for n in range(rows)]) for _ in range(batches)]
            running, slices = asyncio.Event(), [0]
            running.set()
            busy = asyncio.create_task(_keep_busy(running, slices)) if busy_loop else None
            await asyncio.sleep(0.05)
            before = slices[0]
            calls, cpu, wall = trips.calls, time.process_time(), time.perf_counter()
            thread_cpu = time.clock_gettime(database_thread)
            for batch in built:
                await store.insert_many(batch)
            thread_cpu = time.clock_gettime(database_thread) - thread_cpu
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            storing_slices = slices[0] - before
            running.clear()
            if busy is not None:
                await busy
            stored = rows * batches
            if not busy_loop:
                note("trips a batch", (trips.calls - calls) / batches)
                note("CPU µs a row, loop idle", cpu / stored * 1e6)
                continue
            note("CPU µs a row, loop busy", (cpu - storing_slices * per_slice) / stored * 1e6)
            note("of which aiosqlite's thread", thread_cpu / stored * 1e6)
            note("ms a batch, loop busy", wall / batches * 1e3)
    await engine.dispose()
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=64, help="rows a round (default 64, one page)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each timing 20 passes (default 5)")
    parser.add_argument("--store", type=int, metavar="BATCHES", help="measure storing: batches a round (see above)")
    args = parser.parse_args()
    if args.store:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/writer.db"
            upgrade_database(url)
            result = asyncio.run(measure_store(url, args.rows, args.store, args.rounds))
        print(json.dumps({name: round(value, 2) for name, value in result.items()}, ensure_ascii=False))
        return
    measure(False, args.rows, 1)  # warm-up: imports, caches
    result: dict[str, Any] = {kind: measure(kind == "stream", args.rows, args.rounds) for kind in ("json", "stream")}
    print(json.dumps({kind: {step: round(us, 2) for step, us in steps.items()} for kind, steps in result.items()}))


if __name__ == "__main__":
    main()
