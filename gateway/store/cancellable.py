"""Blocking SQLAlchemy code run on an async connection so that cancelling its task stops its statement, on SQLite too.

asyncpg cancels a cancelled task's statement in the server. aiosqlite runs each statement on a thread of its own,
which a cancel does not reach: the statement ran on to its end (a migration's, minutes), holding the write lock, and
the rollback after it waited its turn. sqlite3's `interrupt()`, callable from any thread, ends it at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")


async def run_sync_cancellable(connection: AsyncConnection, work: Callable[[Connection], T]) -> T:
    """`connection.run_sync(work)`; cancelled, on SQLite, the statement under way is interrupted (its transaction
    rolled back) and `work` left to let go (its own rollback) before the cancel goes on."""
    if connection.dialect.name != "sqlite":
        return await connection.run_sync(work)
    driver = (await connection.get_raw_connection()).driver_connection
    running = asyncio.ensure_future(connection.run_sync(work))
    try:
        # Shielded: a cancel reaches this wait at once, whatever `work` awaits (the statement, or a rollback queued
        # behind it on aiosqlite's thread).
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        if driver is not None:
            await driver.interrupt()  # not queued on the thread: sqlite3's interrupt, called here
        await asyncio.wait([running])
        if not running.cancelled():
            running.exception()  # the interrupted statement's error: the cancel is the news
        raise
