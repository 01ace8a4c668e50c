"""A gate that the fake upstream's gated calls wait at, opened from any thread (a test's) and awaited on the server's loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["Gate"]


class Gate:
    """A gate that is opened from any thread and awaited from the server's event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def open(self) -> None:
        """Let every waiting and later call through, until `close`."""
        with self._lock:
            self._open, waiters, self._waiters = True, self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has already closed
                loop.call_soon_threadsafe(_resolve, future)

    def close(self) -> None:
        """Make later calls wait again."""
        with self._lock:
            self._open = False

    async def wait(self) -> None:
        """Return once the gate is open (at once if it is)."""
        with self._lock:
            if self._open:
                return
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, future))
        await future


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
