"""A writer batch's transaction on SQLite is one call on aiosqlite's thread (gateway.store.driver_trip), and keeps
every rule of the insert: nothing half-written when cancelled, duplicates skipped, numbers in order, erased users'
rows dropped."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from interaction_rows import interaction_row
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.writer_row_cost import CountingQueue
from gateway.privacy.erasure import erase_end_user
from gateway.store.interactions import InteractionStore
from gateway.store.tables import daily_stats_stale, interactions, stored_order_heads
from gateway.store.tables.search_index import SQLITE_SEARCH_TABLE


async def counting_trips(engine: AsyncEngine) -> CountingQueue:
    """The trips to the thread of the connection the engine's next use takes (a file database pools one, reused)."""
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
    driver._tx = CountingQueue(driver._tx)  # what every call to its thread goes through
    return driver._tx


async def numbered(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as connection:
        found = await connection.execute(select(interactions.c.id, interactions.c.stored_seq).order_by("stored_seq"))
        return [(r.id, r.stored_seq) for r in found]


# aiosqlite's thread: PostgreSQL has none (its side of the same transaction is the other tests' both-database runs).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
async def test_a_writer_batch_is_one_trip_to_sqlites_thread_and_the_pools_reset(engine, database_url):
    store = InteractionStore(engine, sqlite_lock_wait=1.0)  # as the writer's: with its own lock wait
    await store.insert_many([interaction_row(question="warm-up", end_user="user-1")])
    trips = await counting_trips(engine)
    rows = [interaction_row(question=f"q{n}", end_user=f"user-{n % 7}") for n in range(500)]

    await store.insert_many(rows)

    assert trips.calls == 2  # the transaction, commit included; the pool's rollback as the connection goes back
    assert [id_ for id_, _ in await numbered(engine)][1:] == [r["id"] for r in rows]


@sqlite_only
async def test_a_batch_cancelled_in_its_trip_leaves_nothing_written(engine):
    entered, release = threading.Event(), threading.Event()

    def hold() -> int:
        entered.set()
        release.wait(10)
        return 1

    @event.listens_for(engine.sync_engine, "connect")
    def _hold_in_the_last_row(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("hold", 0, hold)
        cursor = dbapi_connection.cursor()
        cursor.execute(
            "CREATE TEMP TRIGGER hold AFTER INSERT ON interactions WHEN NEW.app = 'held' BEGIN SELECT hold(); END"
        )
        cursor.close()

    await engine.dispose()  # new connections, with the trigger
    store = InteractionStore(engine)
    async with engine.connect() as connection:
        heads_before = (await connection.execute(select(stored_order_heads))).all()
    rows = [interaction_row(question=f"q{n}") for n in range(99)] + [
        interaction_row("held", question="the last")
    ]  # pages of 64, 32, 4: the last one holds

    batch = asyncio.create_task(store.insert_many(rows))
    assert await asyncio.to_thread(entered.wait, 10)
    batch.cancel()
    await asyncio.sleep(0.05)  # the cancel interrupts the statement under way
    release.set()
    await asyncio.wait([batch], timeout=10)

    assert batch.cancelled()
    async with engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(interactions))).scalar_one() == 0
        assert (await connection.execute(select(func.count()).select_from(daily_stats_stale))).scalar_one() == 0
        assert (await connection.execute(select(stored_order_heads))).all() == heads_before
        assert (await connection.execute(text(f"SELECT count(*) FROM {SQLITE_SEARCH_TABLE}"))).scalar_one() == 0
    await store.insert_many(rows[:3])  # the connection serves the next batch
    assert len(await numbered(engine)) == 3


async def test_a_replayed_batch_skips_what_is_stored_and_numbers_the_rest_in_order(engine):
    store = InteractionStore(engine, sqlite_lock_wait=1.0)
    rows = [interaction_row(question=f"q{n}") for n in range(130)]
    await store.insert_many(rows[::3])

    await store.insert_many(rows)

    stored = await numbered(engine)
    assert sorted(id_ for id_, _ in stored) == sorted(r["id"] for r in rows)
    first, rest = stored[: len(rows[::3])], stored[len(rows[::3]) :]
    assert [id_ for id_, _ in first] == [r["id"] for r in rows[::3]]
    assert [id_ for id_, _ in rest] == [r["id"] for n, r in enumerate(rows) if n % 3]
    seqs = [seq for _, seq in stored]
    assert seqs == sorted(set(seqs))  # growing (a skipped duplicate's number is not given to another row)


async def test_a_batch_with_calls_of_an_erased_user_stores_the_others_converted_again(engine):
    store = InteractionStore(engine, sqlite_lock_wait=1.0)
    before = datetime.now(UTC) - timedelta(minutes=1)
    await erase_end_user(engine, "carol", "cli", [], via="cli")
    rows = [
        interaction_row(question=f"q{n}", end_user="carol" if n % 4 == 0 else "dave", created_at=before)
        for n in range(100)
    ]

    await store.insert_many(rows)  # 100 rows: converted off the loop, then again under the lock without carol's

    kept = [r["id"] for r in rows if r["end_user"] == "dave"]
    stored = await numbered(engine)
    assert [id_ for id_, _ in stored] == kept
    assert [seq for _, seq in stored] == list(range(stored[0][1], stored[0][1] + len(kept)))
