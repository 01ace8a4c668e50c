"""The benchmark-only event-loop lag sampler: late wake-ups and GC pauses land in its file, by time window."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings
from gateway.observability.loop_lag import LagRecorder, percentiles, read_samples, sample_loop_lag


async def test_a_blocked_loop_shows_as_lag_and_a_collection_as_a_gc_pause(tmp_path: Path):
    path = tmp_path / "lag.bin"
    sampler = asyncio.create_task(sample_loop_lag(path, interval=0.001, flush_interval=0.05))
    await asyncio.sleep(0.05)
    before_block = time.monotonic()
    time.sleep(0.08)  # noqa: ASYNC251 - blocking the loop on purpose: the sampler wakes ~80 ms late
    await asyncio.sleep(0.01)
    before_gc = time.monotonic()
    gc.collect()
    await asyncio.sleep(0.05)
    sampler.cancel()
    await asyncio.gather(sampler, return_exceptions=True)

    everything = read_samples(path)
    assert len(everything.lags_ms) > 10
    assert any(generation == 2 for generation, _, _ in everything.gc_pauses)
    # time.sleep blocks without using CPU: the 80 ms lag is mostly not the loop's own work.
    block = read_samples(path, start=before_block, end=before_gc)
    late = block.lags_ms.index(max(block.lags_ms))
    assert block.lags_ms[late] >= 70
    assert block.lag_cpu_ms[late] < 40
    assert everything.last_at >= before_block
    # Only the window after the block: no 80 ms lag in it.
    after = read_samples(path, start=time.monotonic() - 0.04)
    assert after.lags_ms and max(after.lags_ms) < 70
    # The hook is gone once the sampler has stopped.
    assert not any(isinstance(getattr(c, "__self__", None), LagRecorder) for c in gc.callbacks)


def test_samples_are_read_by_window_and_a_torn_tail_is_ignored(tmp_path: Path):
    path = tmp_path / "lag.bin"
    recorder = LagRecorder(path)
    recorder.lag(10.0, 1.0, 0.5)
    recorder.lag(20.0, 5.0, 4.0)
    recorder.on_gc("start", {"generation": 1})
    recorder.on_gc("stop", {"generation": 1})
    recorder.flush()
    with path.open("ab") as out:
        out.write(b"\x00" * 20)  # part of a sample, as a reader may find mid-flush

    window = read_samples(path, start=15.0, end=25.0)
    assert window.lags_ms == [5.0]
    assert window.lag_cpu_ms == [4.0]
    assert read_samples(path, start=0.0, end=15.0).lags_ms == [1.0]
    assert [generation for generation, _, _ in read_samples(path).gc_pauses] == [1]
    assert read_samples(tmp_path / "missing.bin").lags_ms == []


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentiles(values) == {"p50": 50.0, "p99": 99.0, "max": 100.0}
    assert percentiles([3.0]) == {"p50": 3.0, "p99": 3.0, "max": 3.0}
    assert percentiles([]) == {}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the sampler reads no database
async def test_the_gateway_samples_its_loop_only_with_loop_lag_file_set(settings: Settings, tmp_path: Path):
    path = tmp_path / "gateway-lag.bin"
    async with LifespanManager(create_app(settings, environ={})):
        await asyncio.sleep(0.05)
    assert not path.exists()

    async with LifespanManager(create_app(settings.model_copy(update={"loop_lag_file": path}), environ={})):
        await asyncio.sleep(0.05)
    assert len(read_samples(path).lags_ms) > 5  # flushed at shutdown
