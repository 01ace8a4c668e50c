"""Database connections left open: every connection a pool opens is noted, and asked later whether it is closed.

A connection nobody closes outlives its test's event loop, and its driver later finishes with it on
that closed loop: aiosqlite's thread raised "Event loop is closed" (PytestUnhandledThreadExceptionWarning)
into whichever test ran when the garbage collector found it, a different one each run.

Two uses: `watching_connections` around a block, for a test that asserts its own code closes everything;
and `SuiteConnections`, which tests/conftest.py keeps for the whole run to fail the test whose end closed
the event loop of a connection still open (the leak itself, not the later symptom in another test).

`SuiteConnections` also sees a connect that failed or was cancelled midway, which never reaches a pool: it
notes each aiosqlite connection as SQLAlchemy makes it (its `do_connect` event), before its thread opens the
file. Cut short, that thread still finishes the opening and answers the loop, a closed one if the test ended
first (tests/prompts/test_prompt_start.py says how one was found). asyncpg closes its own socket when its
connect fails or is cancelled, and has no thread to answer later. `watching_connections` sees only the
connections a pool got.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine.interfaces import Dialect
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
        """A pool's new connection (asyncpg's; aiosqlite's were noted as they were made)."""
        self._note(connection.driver_connection)

    def connecting(self, dialect: Any, _record: Any, _args: Any, parameters: dict[str, Any]) -> None:
        """Before a connect: an aiosqlite one is made through `_noted`, so it is noted even if it fails."""
        if dialect.driver == "aiosqlite":
            # Around whatever makes it already (another watcher's `_noted`: each notes it).
            parameters["async_creator_fn"] = functools.partial(self._noted, parameters.get("async_creator_fn"))

    def _noted(self, make: Any, *args: Any, **kwargs: Any) -> aiosqlite.Connection:
        connection = (make or aiosqlite.connect)(*args, **kwargs)
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite connect has it
        self._note(connection)
        return connection

    def _note(self, driver: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a synchronous driver (sqlite3): it has no loop to outlive
        if not any(noted is driver for noted, _, _ in self._open):
            self._open.append((driver, loop, self.current_test))

    def outliving_their_loops(self) -> list[str]:
        """Connections whose event loop is closed while they are open or still at work, each described once."""
        watched = []
        leaked = []
        for driver, loop, opened_in in self._open:
            if not loop.is_closed():
                if _driver_open(driver) or _driver_working(driver):
                    watched.append((driver, loop, opened_in))
                continue
            name = f"{type(driver).__module__} connection opened in {opened_in}"
            if _driver_open(driver):
                leaked.append(f"{name}, still open")
            elif _driver_working(driver, patience=1.0):
                leaked.append(f"{name}, closed but its thread still at work (it will answer on the closed loop)")
        self._open = watched
        return leaked

    def start(self) -> None:
        """Note every connection made from now on."""
        event.listen(Dialect, "do_connect", self.connecting)
        event.listen(Pool, "connect", self.connected)

    def stop(self) -> None:
        """Note no more."""
        event.remove(Pool, "connect", self.connected)
        event.remove(Dialect, "do_connect", self.connecting)
