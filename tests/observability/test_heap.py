"""Serving processes hand freed heap memory back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import asyncio
import ctypes

import pytest

from gateway.observability import heap
from gateway.observability.heap import heap_trimmer, trim_heap_periodically


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_trimming_hands_back_memory_freed_in_the_middle_of_the_heap():
    trim = heap_trimmer()
    assert trim is not None  # Debian's glibc
    # Many 100 KB blocks, each below glibc's mmap threshold once raised, then every other one
    # freed: the holes lie inside the heap, where free() alone leaves them resident.
    libc = ctypes.CDLL(None)
    libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: keep these blocks on the heap
    blocks = [ctypes.create_string_buffer(b"x" * 100_000) for _ in range(1000)]
    del blocks[::2]
    before = resident_bytes()

    trim()

    assert resident_bytes() < before - 10_000_000


async def test_a_zero_interval_never_trims(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(heap, "heap_trimmer", lambda: pytest.fail("no trimmer wanted"))

    await asyncio.wait_for(trim_heap_periodically(0), timeout=1)


async def test_the_heap_is_trimmed_every_interval(monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []
    monkeypatch.setattr(heap, "heap_trimmer", lambda: lambda: calls.append(1) or True)

    task = asyncio.create_task(trim_heap_periodically(0.05))
    await asyncio.sleep(0.3)
    task.cancel()

    assert len(calls) >= 3
