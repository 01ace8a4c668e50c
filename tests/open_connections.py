"""Database connections left open: every connection a pool opens is noted, and asked later whether it is closed.

A connection nobody closes outlives its test's event loop, and its driver later finishes with it on
that closed loop: aiosqlite's thread raised "Event loop is closed" (PytestUnhandledThreadExceptionWarning)
into whichever test ran when the garbage collector found it, a different one each run.

Two uses: `watching_connections` around a block, for a test that asserts its own code closes everything;
and `SuiteConnections`, which tests/conftest.py keeps for the whole run to fail the test whose end closed
the event loop of a connection still open (the leak itself, not the later symptom in another test).

Neither sees a connect that failed or was cancelled (it never reaches a pool): aiosqlite closes it on its
thread, unwaited, and that thread may answer a loop closed meanwhile; when it does depends on timing, so
no check at a test's end can name it reliably (tests/prompts/test_prompt_start.py says how one was found).
"""

from __future__ import annotations

import asyncio
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


def _driver_working(driver: Any, patience: float = 0.0) -> bool:
    """Whether an aiosqlite connection's thread still runs (given `patience` seconds to end): its closing is
    not over, and it will hand its result to the loop. asyncpg has no thread of its own."""
    thread = getattr(driver, "_thread", None)
    if thread is None:
        return False
    if patience and thread.is_alive():
        thread.join(patience)
    return bool(thread.is_alive())


@contextmanager
def watching_connections() -> Iterator[OpenedConnections]:
    """Note every connection any pool opens while the block runs."""
    connections = OpenedConnections()
    event.listen(Pool, "connect", connections.connected)
    try:
        yield connections
    finally:
        event.remove(Pool, "connect", connections.connected)


class SuiteConnections:
    """Every async driver connection opened during the run, with its event loop and the test that opened it.

    Cheap enough for every test: noting a connection is an append, and each check looks only at the
    connections still open since the last one (closed ones are dropped).
    """

    def __init__(self) -> None:
        self.current_test = "(no test: collection or a session fixture)"
        self._open: list[tuple[Any, asyncio.AbstractEventLoop, str]] = []

    def connected(self, connection: Any, _record: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a synchronous driver (sqlite3): it has no loop to outlive
        self._open.append((connection, loop, self.current_test))

    def outliving_their_loops(self) -> list[str]:
        """Connections whose event loop is closed while they are open or still at work, each described once."""
        watched = []
        leaked = []
        for connection, loop, opened_in in self._open:
            driver = connection.driver_connection
            if not loop.is_closed():
                if _driver_open(driver) or _driver_working(driver):
                    watched.append((connection, loop, opened_in))
                continue
            name = f"{type(driver).__module__} connection opened in {opened_in}"
            if _driver_open(driver):
                leaked.append(f"{name}, still open")
            elif _driver_working(driver, patience=1.0):
                leaked.append(f"{name}, closed but its thread still at work (it will answer on the closed loop)")
        self._open = watched
        return leaked

    def start(self) -> None:
        """Note every connection any pool opens from now on."""
        event.listen(Pool, "connect", self.connected)

    def stop(self) -> None:
        """Note no more."""
        event.remove(Pool, "connect", self.connected)
