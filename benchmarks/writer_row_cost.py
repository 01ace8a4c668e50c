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
fresh SQLite file, batches of --rows built rows, while a task keeps the event loop busy (50 µs of work, then a yield,
as live traffic would: every hand-off from aiosqlite's thread waits for the loop's thread to let go of the GIL).
Printed: the trips a batch makes to aiosqlite's thread (calls put on its queue), and the process's CPU µs per stored
row, the busy task's own CPU (measured alone first) taken off, and the wall time a batch took; median of the rounds.
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

# The busy task's work between yields to the loop.
BUSY_SLICE_SECONDS = 50e-6

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


class _CountingQueue:
    """aiosqlite's queue of calls for its connection's thread, counting them: one call, one trip."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.calls = 0

    def put_nowait(self, item: Any) -> None:
        self.calls += 1
        self.queue.put_nowait(item)


def _busy_slice() -> None:
    until = time.perf_counter() + BUSY_SLICE_SECONDS
    while time.perf_counter() < until:
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
    """Trips a batch, CPU µs a stored row (the busy task's taken off) and ms a batch, medians of `rounds`."""
    engine = create_engine(url)
    store = InteractionStore(engine, sqlite_lock_wait=1.0)
    await store.insert_many(rows_of([_exchange(False)]))  # the pooled connection, made
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
    trips = driver._tx = _CountingQueue(driver._tx)  # noqa: SLF001 - every call to its thread goes through it
    per_slice = await _busy_cpu_per_slice()
    results: dict[str, list[float]] = {"trips a batch": [], "CPU µs a row": [], "ms a batch": []}
    for _ in range(rounds):
        built = [rows_of([_exchange(n % 2 == 0) for n in range(rows)]) for _ in range(batches)]
        running, slices = asyncio.Event(), [0]
        running.set()
        busy = asyncio.create_task(_keep_busy(running, slices))
        await asyncio.sleep(0.05)
        calls, cpu, wall = trips.calls, time.process_time(), time.perf_counter()
        for batch in built:
            await store.insert_many(batch)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        running.clear()
        await busy
        results["trips a batch"].append((trips.calls - calls) / batches)
        # The slices done while storing: all but those of the 50 ms before (a rate estimate is close enough).
        storing_slices = slices[0] * wall / (wall + 0.05)
        results["CPU µs a row"].append((cpu - storing_slices * per_slice) / (rows * batches) * 1e6)
        results["ms a batch"].append(wall / batches * 1e3)
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
