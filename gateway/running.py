"""`running_gateway`: what a gateway's lifespan opens, starts, stops and closes, around its services."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from gateway.config import Settings
from gateway.domain.late_numbering import number_late_rows_periodically
from gateway.observability.collector import tune_collector_for_serving
from gateway.observability.heap import trim_heap_periodically
from gateway.observability.loop_lag import sample_loop_lag
from gateway.privacy.retention import prune_periodically
from gateway.services import Services
from gateway.services_setup import open_services


def start_background_clustering(services: Services, environ: Mapping[str, str]) -> asyncio.Task[None] | None:
    """With `cluster_interval` set, run clustering passes in the background (the heavy work in threads)."""
    if not services.settings.cluster_interval:
        return None
    from gateway.discovery.schedule import embedder_for, merge_judging_for, run_periodically, titler_for

    settings = services.settings
    return asyncio.create_task(
        run_periodically(
            services.jobs_engine,
            settings,
            embedder_for(settings, environ),
            settings.cluster_interval,
            titler=titler_for(settings, environ),
            merge_judging=merge_judging_for(settings, environ),
        ),
        name="feedgate-clustering",
    )


@asynccontextmanager
async def running_gateway(
    settings: Settings,
    environ: Mapping[str, str] | None,
    *,
    serving: bool,
    may_start_without_database: bool,
) -> AsyncIterator[Services]:
    """The gateway's services open and its background rounds running, until the block ends (see `create_app`)."""
    services = await open_services(settings, environ, may_start_without_database=may_start_without_database)
    clustering = start_background_clustering(services, os.environ if environ is None else environ)
    # With retention_days set, old interactions are pruned in the background; without, old idempotency keys
    # alone are dropped (gateway.privacy.retention).
    pruning = asyncio.create_task(prune_periodically(services.jobs_engine, settings), name="feedgate-retention")
    # Rows an older gateway stored without a place in the stored order get one (gateway.domain.late_numbering).
    late_numbering = asyncio.create_task(
        number_late_rows_periodically(services.jobs_engine, settings.late_numbering_interval),
        name="feedgate-late-numbers",
    )
    # Benchmarks only: event-loop lag and GC pauses into a file (gateway.observability.loop_lag).
    lag = None
    if settings.loop_lag_file is not None:
        lag = asyncio.create_task(sample_loop_lag(settings.loop_lag_file), name="feedgate-loop-lag")
    trimming = None
    if serving:
        tune_collector_for_serving(settings.gc_young_threshold)
        trimming = asyncio.create_task(trim_heap_periodically(settings.heap_trim_interval), name="feedgate-heap")
    try:
        yield services
    finally:
        if trimming is not None:
            trimming.cancel()
            await asyncio.gather(trimming, return_exceptions=True)
        if lag is not None:
            lag.cancel()
            await asyncio.gather(lag, return_exceptions=True)
        for round_task in (pruning, late_numbering):
            round_task.cancel()
        await asyncio.gather(pruning, late_numbering, return_exceptions=True)
        if clustering is not None:
            clustering.cancel()
            await asyncio.gather(clustering, return_exceptions=True)
        await services.close()
