"""A time limit on the writer's database calls: a database that hangs rather than fails counts as away."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

Row = dict[str, Any]

# A call that has waited this long shows in `waiting_seconds` (readiness names it).
SLOW_CALL_SECONDS = 1.0


class RowSink(Protocol):
    """Where rows go: the interaction store, in production."""

    async def insert_many(self, rows: list[Row]) -> None: ...


class DatabaseSilent(TimeoutError):
    """The database took a statement and did not answer within the time limit: it counts as away."""


class BoundedSink:
    """`sink.insert_many`, given up after `timeout` seconds (None: waited for however long).

    A stopped server or a route that drops packets raises nothing: the insert waited forever while
    every call since piled up in memory. A call past the limit raises DatabaseSilent at once, without
    waiting for it to unwind: cancelled, SQLAlchemy invalidates its connection (so the pool never hands
    it out again) and closes it, which on a silent server takes up to 2 s more, and a rollback on a
    dropped route would wait for the kernel's TCP timeout. Should the server commit the batch after all,
    its replay from the spool skips the stored ids.
    """

    def __init__(self, sink: RowSink, timeout: float | None) -> None:
        self._sink = sink
        self.timeout = timeout
        # When the call under way began (loop time); calls given up on, still letting go of their
        # connection (kept, so they are not collected mid-way, and awaited by `settle`).
        self._began: float | None = None
        self._abandoned: set[asyncio.Future[None]] = set()

    @property
    def waiting_seconds(self) -> float:
        """How long the call under way has waited for an answer, once past a second; else 0."""
        if self._began is None:
            return 0.0
        waited = asyncio.get_running_loop().time() - self._began
        return waited if waited >= SLOW_CALL_SECONDS else 0.0

    async def insert_many(self, rows: list[Row]) -> None:
        """Insert `rows` through the sink, or raise DatabaseSilent once the limit has passed."""
        call = asyncio.ensure_future(self._sink.insert_many(rows))
        self._began = asyncio.get_running_loop().time()
        try:
            done, _ = await asyncio.wait({call}, timeout=self.timeout)
        except asyncio.CancelledError:
            call.cancel()
            raise
        finally:
            self._began = None
        if not done:
            call.cancel()
            self._abandoned.add(call)
            call.add_done_callback(_forget(self._abandoned))
            raise DatabaseSilent(f"no answer within {self.timeout:g} s")
        call.result()

    async def settle(self, timeout: float = 5.0) -> None:
        """Let calls given up on finish dropping their connections (before the engine is disposed)."""
        if self._abandoned:
            await asyncio.wait(self._abandoned, timeout=timeout)


def _forget(abandoned: set[asyncio.Future[None]]) -> Callable[[asyncio.Future[None]], None]:
    """A done-callback that drops a given-up call from `abandoned`, its outcome (an error, surely) retrieved."""

    def forget(call: asyncio.Future[None]) -> None:
        abandoned.discard(call)
        if not call.cancelled():
            call.exception()

    return forget
