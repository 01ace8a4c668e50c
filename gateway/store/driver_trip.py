"""Running a transaction written as sync code over a SQLAlchemy `Connection` in one trip to the driver's thread.

aiosqlite runs each call on its connection's own thread: through SQLAlchemy an `await connection.execute(...)`
(or a statement inside `run_sync`) is three or four of them (make a cursor, execute, fetch, close), each a wake-up
of that thread and then of the event loop's, which contends for the GIL with live traffic. The writer's 500-row
batch made 61 such trips. Here the whole of `body` runs on aiosqlite's thread in one call, with the connection's
pooled DBAPI connection pointed at the raw sqlite3 connection while it runs: the same SQLAlchemy `Connection`
(its dialect, types, events, statement cache) executes directly on sqlite3, so the rules are written once.

On PostgreSQL (asyncpg speaks asyncio itself: nothing to save) `body` runs through `AsyncConnection.run_sync`.

A cancel while the trip runs: the connection's `_execute` interrupts the statement under way and waits for the
call to end (gateway.store.cancellable), so `body` ends, its transaction rolled back by SQLite, before anything
else touches the connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")


async def in_one_trip(connection: AsyncConnection, body: Callable[[Connection], T]) -> T:
    """`body(connection)`, as one call on aiosqlite's thread on SQLite; through `run_sync` on other databases."""
    if connection.dialect.name != "sqlite":
        return await connection.run_sync(body)
    sync_connection = connection.sync_connection
    assert sync_connection is not None, "the connection has been started"
    # The pool's proxy of the connection (its `dbapi_connection` is SQLAlchemy's adapter of aiosqlite's).
    pooled: Any = await connection.get_raw_connection()
    driver: aiosqlite.Connection = pooled.driver_connection

    def trip() -> T:
        adapted = pooled.dbapi_connection
        # sqlite3's own connection, used only on its thread (here), while the loop's side awaits this call.
        pooled.dbapi_connection = driver._conn  # noqa: SLF001
        try:
            return body(sync_connection)
        finally:
            pooled.dbapi_connection = adapted

    return await driver._execute(trip)  # type: ignore[no-untyped-call,no-any-return]  # noqa: SLF001
