"""Event-loop lag and garbage-collection pauses of one gateway process, sampled into a file for benchmarks.

With `loop_lag_file` set, the gateway's lifespan runs `sample_loop_lag` on its event loop: a task
that sleeps `interval` (1 ms) over and over and records how late each wake-up is (the time
every other callback on the loop had to wait too), and a `gc.callbacks` hook that records how
long each collection held the interpreter. Each sample also carries the CPU time its thread used
meanwhile (`time.thread_time()`): a lag or a pause that is mostly CPU was work on that thread; one
that is mostly not was the thread waiting, for the GIL or for a core (a preempted process).
Samples stay in memory and are appended to the file about once a second as raw doubles, four per
sample: kind (0 = loop lag, 1 + generation = a GC pause), CLOCK_MONOTONIC time in seconds
(`time.monotonic()`, the same clock in every process on Linux), wall milliseconds and CPU
milliseconds. `read_samples` gives a benchmark the samples of its measuring window.

Off by default and meant for benchmarks/proxy_latency.py --loop-lag: a thousand wake-ups a
second are work for the loop too, and libuv's millisecond timers make ~1 ms the lag's floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LagRecorder", "LagSamples", "percentiles", "read_samples", "sample_loop_lag"]

LAG = 0.0  # the kind of a loop-lag sample; a GC pause's kind is 1 + its generation
FIELDS = 4  # doubles per sample: kind, monotonic time (s), wall ms, CPU ms


class LagRecorder:
    """Collects samples in memory and appends them to `path` on `flush`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._buffer = array("d")
        self._gc_started = self._gc_cpu_started = 0.0

    def lag(self, at: float, lag_ms: float, cpu_ms: float) -> None:
        """Record a wake-up `lag_ms` late at monotonic time `at`, the loop's thread having used `cpu_ms` meanwhile."""
        self._buffer.extend((LAG, at, lag_ms, cpu_ms))

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """`gc.callbacks` hook: time each collection from its start to its stop (wall and thread CPU)."""
        now, cpu = time.monotonic(), time.thread_time()
        if phase == "start":
            self._gc_started, self._gc_cpu_started = now, cpu
        elif self._gc_started:
            wall_ms, cpu_ms = (now - self._gc_started) * 1000, (cpu - self._gc_cpu_started) * 1000
            self._buffer.extend((1.0 + info["generation"], self._gc_started, wall_ms, cpu_ms))
            self._gc_started = 0.0

    def flush(self) -> None:
        """Append what was recorded since the last flush (a few kB: written from the loop)."""
        buffer, self._buffer = self._buffer, array("d")
        if buffer:
            with self.path.open("ab") as out:
                buffer.tofile(out)


async def sample_loop_lag(path: Path, interval: float = 0.001, flush_interval: float = 1.0) -> None:
    """Record loop lag and GC pauses into `path` until cancelled (flushing what is left then)."""
    recorder = LagRecorder(path)
    gc.callbacks.append(recorder.on_gc)
    next_flush = time.monotonic() + flush_interval
    try:
        while True:
            cpu, due = time.thread_time(), time.monotonic() + interval
            await asyncio.sleep(interval)
            woke = time.monotonic()
            recorder.lag(woke, max(0.0, woke - due) * 1000, (time.thread_time() - cpu) * 1000)
            if woke >= next_flush:
                recorder.flush()
                next_flush = woke + flush_interval
    finally:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(recorder.on_gc)
        recorder.flush()


@dataclass
class LagSamples:
    """The samples of one time window, in milliseconds: loop lags (wall, and the loop's CPU meanwhile), GC pauses."""

    lags_ms: list[float] = field(default_factory=list)
    lag_cpu_ms: list[float] = field(default_factory=list)  # the loop thread's CPU during each sample's sleep
    gc_pauses: list[tuple[int, float, float]] = field(default_factory=list)  # (generation, wall ms, CPU ms)
    last_at: float = 0.0  # the latest sample's time in the whole file (to tell whether a window is flushed)


def read_samples(path: Path, start: float = 0.0, end: float = float("inf")) -> LagSamples:
    """The samples in `path` taken from monotonic time `start` to `end`."""
    raw = array("d")
    with contextlib.suppress(FileNotFoundError):
        data = path.read_bytes()
        raw.frombytes(data[: len(data) - len(data) % (FIELDS * raw.itemsize)])
    samples = LagSamples()
    for index in range(0, len(raw), FIELDS):
        kind, at, ms, cpu_ms = raw[index : index + FIELDS]
        samples.last_at = max(samples.last_at, at)
        if start <= at <= end:
            if kind == LAG:
                samples.lags_ms.append(ms)
                samples.lag_cpu_ms.append(cpu_ms)
            else:
                samples.gc_pauses.append((int(kind) - 1, ms, cpu_ms))
    return samples


def percentiles(values: list[float], points: tuple[float, ...] = (50, 99)) -> dict[str, float]:
    """Nearest-rank percentiles of `values` (p50, p99 by default) and their max; empty: {}."""
    if not values:
        return {}
    ordered = sorted(values)
    last = len(ordered) - 1
    result = {f"p{point:g}": ordered[min(last, max(0, math.ceil(point / 100 * len(ordered)) - 1))] for point in points}
    result["max"] = ordered[-1]
    return result
