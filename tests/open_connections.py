"""Database connections left open: every connection a pool opens is noted, and asked at the end whether it is closed.

A connection nobody closes outlives its test's event loop, and its driver later finishes with it on
that closed loop: aiosqlite's thread raised "Event loop is closed" (PytestUnhandledThreadExceptionWarning)
into whichever test ran when the garbage collector found it, a different one each run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool


class OpenedConnections:
    """The DBAPI connections any pool opened since this started watching."""

    def __init__(self) -> None:
        self.opened: list[Any] = []

    def connected(self, connection: Any, _record: Any) -> None:
        self.opened.append(connection)

    def still_open(self) -> list[Any]:
        """Those the driver has not closed. Asked of the driver: a pool closes a connection whose set-up an
        exception or a cancellation cut short without its `close` event."""
        return [connection for connection in self.opened if _driver_open(connection.driver_connection)]


def _driver_open(driver: Any) -> bool:
    if hasattr(driver, "is_closed"):  # asyncpg
        return not driver.is_closed()
    return driver._connection is not None  # aiosqlite: None once closed


@contextmanager
def watching_connections() -> Iterator[OpenedConnections]:
    """Note every connection any pool opens while the block runs."""
    connections = OpenedConnections()
    event.listen(Pool, "connect", connections.connected)
    try:
        yield connections
    finally:
        event.remove(Pool, "connect", connections.connected)
