"""SQLite statements that a cancel stops, as asyncpg's are on PostgreSQL.

asyncpg has the server cancel a cancelled task's statement. aiosqlite runs each statement on a thread of its own,
which a cancel does not reach: the statement ran on to its end (a migration's, a prune's delete, minutes), holding
the write lock, and the rollback after it waited its turn, so a stopped command took as long as its statement.
sqlite3's `interrupt()`, callable from any thread, ends it at once; SQLite rolls its transaction back.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite

# How often a cancelled call's statement is interrupted again until it has ended: an interrupt that comes before the
# statement has begun on the thread (queued behind nothing, it begins within microseconds) is lost.
INTERRUPT_AGAIN_SECONDS = 0.01


class _Call:
    """One call run on a connection's thread, which says when it has ended."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.ended = False

    def __call__(self) -> Any:
        try:
            return self.call()
        finally:
            self.ended = True


def interrupt_when_cancelled(connection: aiosqlite.Connection) -> None:
    """Have a cancelled wait on any call `connection` makes (a statement, a fetch) interrupt that call's statement
    and wait for it to end before the cancel goes on: what comes next on the connection (the rollback) then runs at
    once rather than after the statement's end."""
    # Every call aiosqlite makes on its thread goes through `_execute` (aiosqlite 0.17 to 0.22 at least).
    queue: Callable[[Callable[[], Any]], Awaitable[Any]] = connection._execute  # noqa: SLF001

    async def execute(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = _Call(partial(function, *args, **kwargs))
        try:
            return await queue(call)
        except asyncio.CancelledError:
            while not call.ended:
                with contextlib.suppress(ValueError, sqlite3.ProgrammingError):  # closed: the call ends without it
                    connection._conn.interrupt()  # noqa: SLF001 - sqlite3's, callable from any thread
                await asyncio.sleep(INTERRUPT_AGAIN_SECONDS)
            raise

    setattr(connection, "_execute", execute)  # noqa: B010 - an attribute of this connection, not of its class
