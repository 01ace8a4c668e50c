"""A named lock across processes: a PostgreSQL advisory lock, or a row with an expiry on SQLite."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import uuid_utils
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import clustering_locks

# A SQLite lock row outlives a crashed holder by at most this long.
DEFAULT_TTL = timedelta(hours=2)
# Held by a clustering pass, and by a prune or an erasure, which wait for it: a pass reads complaints and
# writes what it made of them minutes later (members, map points, examples quoting them, issue words), so a
# removal between the two had its rows written back after it.
CLUSTERING_LOCK = "feedgate.clustering"
# How often a waiting holder tries the lock again.
WAIT_POLL_SECONDS = 0.5


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `name`, as pg_try_advisory_lock wants."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def try_lock(engine: AsyncEngine, name: str, ttl: timedelta = DEFAULT_TTL) -> AsyncIterator[bool]:
    """Take the lock `name` without waiting; yields whether it was taken, releases it on exit."""
    if engine.dialect.name == "postgresql":
        async with _advisory_lock(engine, name) as acquired:
            yield acquired
    else:
        async with _row_lock(engine, name, ttl) as acquired:
            yield acquired


@asynccontextmanager
async def hold_lock(
    engine: AsyncEngine,
    name: str,
    ttl: timedelta = DEFAULT_TTL,
    poll_seconds: float = WAIT_POLL_SECONDS,
    on_wait: Callable[[], None] | None = None,
) -> AsyncIterator[float]:
    """Take the lock `name`, waiting while another holds it; yields how long it waited (s), releases it on exit.

    `on_wait` is called once, when the lock is found held: a command says what it waits for, not nothing.
    """
    started = time.perf_counter()
    waiting = False
    while True:
        async with try_lock(engine, name, ttl) as acquired:
            if acquired:
                yield time.perf_counter() - started if waiting else 0.0
                return
        if not waiting and on_wait is not None:
            on_wait()
        waiting = True
        await asyncio.sleep(poll_seconds)


@asynccontextmanager
async def _advisory_lock(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    key = advisory_key(name)
    # Advisory locks belong to a session, so one connection is held for the lock's life.
    async with engine.connect() as connection:
        acquired = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})).scalar())
        await connection.commit()
        try:
            yield acquired
        finally:
            if acquired:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()


@asynccontextmanager
async def _row_lock(engine: AsyncEngine, name: str, ttl: timedelta) -> AsyncIterator[bool]:
    holder = str(uuid_utils.uuid7())
    now = datetime.now(UTC)
    table = clustering_locks
    async with engine.begin() as connection:
        # An expired row is a holder that died without releasing: take over from it.
        await connection.execute(delete(table).where(table.c.name == name, table.c.expires_at < now))
        insert = insert_skipping_duplicates(engine.dialect, table, ["name"])
        await connection.execute(insert.values(name=name, holder=holder, expires_at=now + ttl))
        owner = (await connection.execute(select(table.c.holder).where(table.c.name == name))).scalar()
    acquired = owner == holder
    try:
        yield acquired
    finally:
        if acquired:
            async with engine.begin() as connection:
                await connection.execute(delete(table).where(table.c.name == name, table.c.holder == holder))
