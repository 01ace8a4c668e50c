"""Cancelling a task interrupts the statement SQLite runs for it (gateway.store.cancellable), as asyncpg's cancel
stops PostgreSQL's in the server.

aiosqlite runs each statement on a thread of its own: the task awaiting it was cancelled, but the statement ran on
to its end holding the write lock, and what it wrote was rolled back only then (a migration's long statement on
SIGTERM: the upgrade stopped once it was done).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.engine import create_engine

# Counting this far takes SQLite far longer than a test: the statement ends when interrupted. `started()` says when
# it has begun on aiosqlite's thread.
ENDLESS_INSERT = (
    "INSERT INTO counted (x) SELECT x FROM (WITH RECURSIVE c(x) AS (SELECT started() UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 100000000000) SELECT x FROM c)"
)
ENDLESS_READ = (
    "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT started() UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 100000000000) SELECT x FROM c)"
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "feedgate.db"


@pytest.fixture
async def engine(path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counted (x INTEGER)"))
    yield engine
    await engine.dispose()


def insert_without_end(connection: Connection) -> None:
    connection.execute(text(ENDLESS_INSERT))


async def execute_without_end(connection: AsyncConnection) -> None:
    async with connection.begin():
        await connection.execute(text(ENDLESS_INSERT))


async def run_sync_without_end(connection: AsyncConnection) -> None:
    # Blocking SQLAlchemy code (Alembic's migrations), its statements awaited from a greenlet.
    await connection.run_sync(insert_without_end)


@pytest.mark.parametrize("work", [execute_without_end, run_sync_without_end], ids=["execute", "run_sync"])
async def test_cancelling_the_task_interrupts_the_statement_sqlite_runs_for_it(
    engine: AsyncEngine, path: Path, work: Callable[[AsyncConnection], Awaitable[None]]
):
    started = threading.Event()
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.create_function("started", 0, lambda: started.set() or 1)
        task = asyncio.create_task(work(connection))
        assert await asyncio.to_thread(started.wait, 30)
        try:
            began = time.monotonic()
            task.cancel()
            await asyncio.wait([task], timeout=20)
            took = await asyncio.to_thread(_writable_after, path, began)
        finally:
            with contextlib.suppress(ValueError):  # closed: SQLAlchemy lets go of a connection whose call was cancelled
                await driver.interrupt()  # had the statement gone on: not to wait for it at the engine's disposal

    assert task.cancelled()
    assert took < 2, f"the write lock was held {took:.1f} s after the cancel"
    assert _rows(path) == 0  # what the statement had inserted was rolled back


def _writable_after(path: Path, began: float, patience: float = 20) -> float:
    """The seconds from `began` until the database at `path` takes a writer again (its write lock let go), or
    `patience` seconds if it did not by then."""
    while _write_locked(path) and time.monotonic() - began < patience:
        time.sleep(0.02)
    return time.monotonic() - began


def _write_locked(path: Path) -> bool:
    probe = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as probe:
        return int(probe.execute("SELECT count(*) FROM counted").fetchone()[0])


async def test_cancelling_a_long_read_gives_its_connection_back_at_once(engine: AsyncEngine):
    # A read (an export's chunk) holds no write lock, but its connection's rollback and return to the pool waited
    # behind it on aiosqlite's thread: the stopped command went on until the read had ended.
    started = threading.Event()
    connection = await engine.connect()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    try:
        await driver.create_function("started", 0, lambda: started.set() or 1)
        read = asyncio.create_task(connection.execute(text(ENDLESS_READ)))
        assert await asyncio.to_thread(started.wait, 30)
        began = time.monotonic()
        read.cancel()
        await asyncio.wait([read], timeout=20)
        async with asyncio.timeout(20):
            await connection.close()
        took = time.monotonic() - began
    finally:
        with contextlib.suppress(ValueError):
            await driver.interrupt()  # had the read gone on: not to wait for it at the engine's disposal

    assert read.cancelled()
    assert took < 2, f"the connection came back {took:.1f} s after the cancel"
