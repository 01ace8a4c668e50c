"""Python's garbage collector tuned for a serving process: what start-up built is frozen, young objects collected in bigger batches.

Measured with benchmarks/proxy_latency.py --loop-lag: after start-up the gateway holds about 150k
objects, and every full collection walked all of them (100-250 ms of CPU, about every 2 s at 32
connections); those pauses were the p99 at 32 connections. `gc.freeze()` moves what exists after
start-up out of the collector's sight (the modules, settings, pools and caches that live as long
as the process), and a larger first-generation threshold makes young collections rarer and full
ones rarer still. Reference counting still frees nearly everything at once; only cyclic garbage
waits longer, a few MB at most. Serving processes only: a test process that builds many apps
would freeze each one's leftovers.
"""

from __future__ import annotations

import gc


def tune_collector_for_serving(young_threshold: int) -> None:
    """Freeze the objects built so far and collect young ones every `young_threshold` allocations (0: leave as is)."""
    if young_threshold <= 0:
        return
    # Collect first: garbage from start-up must not be frozen with the live objects.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)
