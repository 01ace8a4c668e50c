"""Giving freed heap memory back to the operating system now and then (glibc's `malloc_trim`).

The gateway's large objects (request and answer bodies, rows being built, spooled batches) are
allocated by glibc's malloc, often on worker threads, each of which gets a malloc arena of its own;
glibc returns memory freed inside an arena to the system only when it lies at the arena's top.
`malloc_trim(0)` releases every arena's free pages. Measured with benchmarks/load_faults.py (10
minutes at 100 req/s with a 60 s database outage, one run each): RSS +9.3 % without trimming, +7.5 %
with it; trimming gave back 2-3 MB after the outage and left the steady rise before it unchanged
(docs/deployment.md, "Running several processes"). Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

logger = logging.getLogger("feedgate.heap")


def heap_trimmer() -> Callable[[], bool] | None:
    """glibc's `malloc_trim(0)` (True when memory was released), or None where the C library has none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: bool(trim(0))


async def trim_heap_periodically(interval: float) -> None:
    """Trim the heap every `interval` seconds, in a worker thread (the call walks every arena); never returns."""
    if interval <= 0:
        return
    trim = heap_trimmer()
    if trim is None:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(trim)
        except Exception:  # pragma: no cover - a C call that reports by its return value
            logger.exception("could not trim the heap")
