"""Rate-limit allowances kept in the database, so every gateway process on it counts against the same ones."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Float, bindparam, case, delete, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.inserts import conflict_insert
from gateway.store.tables import feedback_rate_limits

_rows = feedback_rate_limits.c
# The key column's width; a longer key (an address header's entry is any text) is stored as its hash.
MAX_KEY_CHARS = 200


def stored_key(key: str) -> str:
    """`key` as its row holds it: itself, or its SHA-256 when too long for the column."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _take_statement(dialect: Dialect) -> Any:
    """The upsert that takes one post: a new key starts a minute's allowance less one; a known key is moved
    forward one interval when it has room, else left as it was; either way it says what it decided."""
    now, interval, tolerance = (
        bindparam("now", type_=Float),
        bindparam("interval", type_=Float),
        bindparam("tolerance", type_=Float),
    )
    allowed = _rows.full_at - now <= tolerance
    later_of_full_and_now = case((_rows.full_at > now, _rows.full_at), else_=now)
    return (
        conflict_insert(dialect, feedback_rate_limits)
        .values(counted_by=bindparam("counted_by"), key=bindparam("key"), full_at=now + interval, taken=True)
        .on_conflict_do_update(
            index_elements=[_rows.counted_by, _rows.key],
            set_={"full_at": case((allowed, later_of_full_and_now + interval), else_=_rows.full_at), "taken": allowed},
        )
        .returning(_rows.full_at, _rows.taken)
    )


class RateLimitRows:
    """One row per counted key: the time its allowance is full again (the generic cell rate algorithm)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Built once: building the upsert anew took about 1 ms of CPU a check on a loaded 2-core host, more
        # than PostgreSQL took to run it on the unlogged table (0.6-0.9 ms through asyncpg on that host).
        self._take = _take_statement(engine.dialect)

    async def take(self, counted_by: str, key: str, *, now: float, interval: float, tolerance: float) -> float | None:
        """Take one post from the key's allowance: None when taken, else the seconds until one is free.

        One upsert decides and counts, so concurrent checks from any process count one after another
        (the row's lock on PostgreSQL, the write lock on SQLite). A refused check leaves the time as it was.
        """
        values = {"counted_by": counted_by, "key": stored_key(key), "now": now, "interval": interval}
        async with self._engine.begin() as connection:
            full_at, taken = (await connection.execute(self._take, {**values, "tolerance": tolerance})).one()
        if taken:
            return None
        # Refused: the wait is positive by the upsert's test (at least a hair, whatever the rounding).
        return max(float(full_at) - now - tolerance, 1e-6)

    async def give_back(self, counted_by: str, key: str, interval: float) -> None:
        """Return one post to the key's allowance (nothing when it has no row: its allowance is full)."""
        statement = (
            update(feedback_rate_limits)
            .where(_rows.counted_by == counted_by, _rows.key == stored_key(key))
            .values(full_at=_rows.full_at - interval)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def expire(self, now: float) -> int:
        """Delete the rows whose allowance is full at `now` (no row says the same); how many."""
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(feedback_rate_limits).where(_rows.full_at <= now))
        return int(result.rowcount or 0)
