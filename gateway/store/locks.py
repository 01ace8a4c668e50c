"""A named lock across processes: a PostgreSQL advisory lock, or a row with an expiry on SQLite.

Its holder may say what it holds it for ("the clustering pass of app 'bank'", "a prune"), so a process waiting
for it says what it waits for: on SQLite in a row of its own beside the lock's, with the lock's expiry; on
PostgreSQL as the application_name of the session holding the advisory lock (which pg_stat_activity shows too).
Neither needs a table of its own, nor a write on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import uuid_utils
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
# On SQLite, what a lock is held for is the `holder` of the row named so (that column is 100 characters).
_HELD_FOR_ROW = "{name} held for"
_HELD_FOR_CHARS = 100
# On PostgreSQL, the application_name of the session holding the lock: a prefix that marks it as said by a holder,
# and the most PostgreSQL keeps (NAMEDATALEN - 1 bytes, the rest cut off).
_APPLICATION_PREFIX = "feedgate: "
_APPLICATION_NAME_BYTES = 63
T = TypeVar("T")
# How long a cancelled holder waits for its lock's take or release to end (a statement or two) before cutting it short.
LET_GO_PATIENCE_SECONDS = 10.0


@dataclass
class Lock:
    """A lock `take_lock` tried to take: whether it was (`acquired`), and `say` to tell waiters what it is held for."""

    acquired: bool
    _say: Callable[[str], Awaitable[None]] | None = None

    async def say(self, held_for: str) -> None:
        """Tell processes waiting for the lock what it is held for now (nothing, unless it was acquired)."""
        if self.acquired and self._say is not None:
            await self._say(held_for)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `name`, as pg_try_advisory_lock wants."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def take_lock(
    engine: AsyncEngine, name: str, ttl: timedelta = DEFAULT_TTL, held_for: str | None = None
) -> AsyncIterator[Lock]:
    """Take the lock `name` without waiting, saying it is `held_for` that if given; yields the Lock, released on exit."""
    if engine.dialect.name == "postgresql":
        async with _advisory_lock(engine, name) as lock:
            yield await _said(lock, held_for)
    else:
        async with _row_lock(engine, name, ttl) as lock:
            yield await _said(lock, held_for)


@asynccontextmanager
async def try_lock(engine: AsyncEngine, name: str, ttl: timedelta = DEFAULT_TTL) -> AsyncIterator[bool]:
    """Take the lock `name` without waiting; yields whether it was taken, releases it on exit."""
    async with take_lock(engine, name, ttl) as lock:
        yield lock.acquired


async def held_for(engine: AsyncEngine, name: str) -> str | None:
    """What the holder of the lock `name` said it holds it for; None when it said nothing, or nobody holds it."""
    if engine.dialect.name == "postgresql":
        key = advisory_key(name) % 2**64
        # pg_locks shows a bigint advisory key as two unsigned halves, objsubid 1.
        statement = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high AND l.objid = :low AND l.objsubid = 1 "
            # pg_locks lists the whole server's: another database's holder of the same name is not this one's.
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        async with engine.connect() as connection:
            said = (await connection.execute(statement, {"high": key >> 32, "low": key & 0xFFFFFFFF})).scalar()
        return said[len(_APPLICATION_PREFIX) :] if said and said.startswith(_APPLICATION_PREFIX) else None
    table = clustering_locks
    async with engine.connect() as connection:
        query = select(table.c.holder).where(
            table.c.name == _HELD_FOR_ROW.format(name=name), table.c.expires_at >= datetime.now(UTC)
        )
        return (await connection.execute(query)).scalar()


async def _said(lock: Lock, held_for: str | None) -> Lock:
    if held_for is not None:
        await lock.say(held_for)
    return lock


@asynccontextmanager
async def hold_lock(
    engine: AsyncEngine,
    name: str,
    ttl: timedelta = DEFAULT_TTL,
    poll_seconds: float = WAIT_POLL_SECONDS,
    on_wait: Callable[[str | None], None] | None = None,
    held_for: str | None = None,
) -> AsyncIterator[float]:
    """Take the lock `name` (saying it is `held_for` that), waiting while another holds it; yields how long it
    waited (s), releases it on exit.

    `on_wait` is called once, when the lock is found held, with what its holder holds it for (None: unsaid): a
    command says what it waits for, not nothing.
    """
    started = time.perf_counter()
    waiting = False
    while True:
        async with take_lock(engine, name, ttl, held_for) as lock:
            if lock.acquired:
                yield time.perf_counter() - started if waiting else 0.0
                return
        if not waiting and on_wait is not None:
            on_wait(await _held_for_or_none(engine, name))
        waiting = True
        await asyncio.sleep(poll_seconds)


async def _held_for_or_none(engine: AsyncEngine, name: str) -> str | None:
    # What a waiter is told is a courtesy: a failure to read it leaves the line as it was, not the command stopped.
    try:
        return await held_for(engine, name)
    except DBAPIError:
        return None


@asynccontextmanager
async def _advisory_lock(engine: AsyncEngine, name: str) -> AsyncIterator[Lock]:
    key = advisory_key(name)
    # Advisory locks belong to a session, so one connection is held for the lock's life.
    async with engine.connect() as connection:
        acquired = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})).scalar())
        await connection.commit()
        said = False

        async def say(held_for: str) -> None:
            nonlocal said
            value = (_APPLICATION_PREFIX + held_for).encode()[:_APPLICATION_NAME_BYTES].decode(errors="ignore")
            await _set_application_name(connection, value)
            said = True

        async def let_go() -> None:
            if acquired:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()
            if said:
                # The connection goes back to the pool: the next user of it holds nothing.
                await connection.execute(text("RESET application_name"))
                await connection.commit()

        try:
            yield Lock(acquired, say)
        finally:
            await run_to_its_end(let_go())


async def _set_application_name(connection: AsyncConnection, value: str) -> None:
    await connection.execute(text("SELECT set_config('application_name', :value, false)"), {"value": value})
    await connection.commit()


@asynccontextmanager
async def _row_lock(engine: AsyncEngine, name: str, ttl: timedelta) -> AsyncIterator[Lock]:
    holder = str(uuid_utils.uuid7())
    expires_at = datetime.now(UTC) + ttl
    table = clustering_locks
    note = _HELD_FOR_ROW.format(name=name)

    async def say(held_for: str) -> None:
        # Replaced whole, a dead holder's word with it; it expires with the lock, so a crash leaves none behind.
        async with engine.begin() as connection:
            await connection.execute(delete(table).where(table.c.name == note))
            await connection.execute(
                table.insert().values(name=note, holder=held_for[:_HELD_FOR_CHARS], expires_at=expires_at)
            )

    async def let_go() -> None:
        async with engine.begin() as connection:
            await connection.execute(delete(table).where(table.c.name == name, table.c.holder == holder))
            await connection.execute(delete(table).where(table.c.name == note))

    acquired: bool | None = None  # None: the take was cut short, perhaps after its commit
    try:
        acquired = await run_to_its_end(_take_row(engine, name, holder, expires_at))
        yield Lock(acquired, say)
    finally:
        if acquired is not False:
            await run_to_its_end(let_go())


async def _take_row(engine: AsyncEngine, name: str, holder: str, expires_at: datetime) -> bool:
    table = clustering_locks
    async with engine.begin() as connection:
        # An expired row is a holder that died without releasing: take over from it.
        await connection.execute(delete(table).where(table.c.name == name, table.c.expires_at < datetime.now(UTC)))
        insert = insert_skipping_duplicates(engine.dialect, table, ["name"])
        await connection.execute(insert.values(name=name, holder=holder, expires_at=expires_at))
        owner = (await connection.execute(select(table.c.holder).where(table.c.name == name))).scalar()
    return bool(owner == holder)


async def run_to_its_end(work: Coroutine[Any, Any, T], patience: float = LET_GO_PATIENCE_SECONDS) -> T:
    """`await work`, which a cancel of the task does not cut short for up to `patience` seconds (then `work` is
    cancelled too): the cancel is raised once it has ended."""
    # Cut short, a lock's release was undone: a row's delete rolled back (the lock held until it expired, 2 hours),
    # and its take might have committed a row nobody would delete.
    running = asyncio.ensure_future(work)
    cancelled_at: float | None = None
    while not running.done():
        left = None if cancelled_at is None else cancelled_at + patience - time.monotonic()
        if left is not None and left <= 0:
            # A database that does not answer: a shutdown does not wait on it for ever. On PostgreSQL the cancel
            # drops the connection, and its session's lock with it.
            running.cancel()
            await asyncio.wait([running])
            break
        try:
            await asyncio.wait([running], timeout=left)  # unlike `await running`, a cancel here leaves `running` be
        except asyncio.CancelledError:
            cancelled_at = cancelled_at or time.monotonic()
    if cancelled_at is not None:
        raise asyncio.CancelledError
    return running.result()
