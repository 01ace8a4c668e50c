"""Counting proxied calls on the hot path: tallied in plain numbers, added to the metrics about once a second.

prometheus_client takes a lock for every increment, and with several workers also writes each one
to a memory-mapped file: a call's counter and two histograms cost 3 µs in memory and 7 µs in files
(benchmarks/observability_overhead.py). Here a call only adds to a tally kept per (route, status,
upstream), with its bucket found by bisection; `flush` moves the tallies into the metric families
within `FLUSH_SECONDS`, and whenever this process is scraped.
"""

from __future__ import annotations

import asyncio
import math
import time
from bisect import bisect_left
from functools import cache

from prometheus_client import Counter, Histogram

from gateway.observability.metrics import ADDED_BUCKETS, REQUEST_BUCKETS, GatewayMetrics, gateway_metrics

# How long a tallied call may wait before it shows in the metrics files other workers read.
FLUSH_SECONDS = 1.0
# The histograms' upper bounds, +Inf last, as prometheus_client keeps them.
_REQUEST_BOUNDS = (*REQUEST_BUCKETS, math.inf)
_ADDED_BOUNDS = (*ADDED_BUCKETS, math.inf)


class _Tally:
    """The calls of one (route, status, upstream) since the last flush, and where they go."""

    __slots__ = ("added", "added_counts", "added_sum", "calls", "counter", "seconds", "seconds_counts", "seconds_sum")

    def __init__(self, counter: Counter, seconds: Histogram, added: Histogram) -> None:
        self.counter = counter
        self.seconds = seconds
        self.added = added
        self.calls = 0
        self.seconds_sum = 0.0
        self.seconds_counts = [0] * len(_REQUEST_BOUNDS)
        self.added_sum = 0.0
        self.added_counts = [0] * len(_ADDED_BOUNDS)

    def move(self) -> None:
        """Add the tallied calls to the metric families and start again from zero."""
        self.counter.inc(self.calls)
        _add_observations(self.seconds, self.seconds_sum, self.seconds_counts)
        _add_observations(self.added, self.added_sum, self.added_counts)
        self.calls = 0
        self.seconds_sum = self.added_sum = 0.0
        self.seconds_counts = [0] * len(_REQUEST_BOUNDS)
        self.added_counts = [0] * len(_ADDED_BOUNDS)


def _add_observations(histogram: Histogram, total: float, counts: list[int]) -> None:
    """Add many observations at once to a histogram's label child: their sum, and how many fell in each bucket.

    prometheus_client offers only one observation at a time; its child keeps the sum in `_sum` and
    one (non-cumulative) value per bucket in `_buckets`, exactly as `observe` updates them.
    """
    histogram._sum.inc(total)  # noqa: SLF001
    for value, count in zip(histogram._buckets, counts, strict=True):  # noqa: SLF001
        if count:
            value.inc(count)


class RequestMetrics:
    """Counts proxied calls when they are over: requests by route, status and upstream, and two latency histograms."""

    __slots__ = ("_families", "_next_flush", "_tallies", "_timer_set")

    def __init__(self, families: GatewayMetrics) -> None:
        self._families = families
        self._tallies: dict[tuple[str, int | None, str], _Tally] = {}
        self._timer_set = False
        self._next_flush = time.monotonic() + FLUSH_SECONDS

    def record(self, route: str, status: int | None, upstream: str, seconds: float, added_seconds: float) -> None:
        """One finished call: its status, its whole duration, and the part of it the gateway added (seconds)."""
        tally = self._tallies.get((route, status, upstream))
        if tally is None:
            tally = self._tally(route, status, upstream)
        tally.calls += 1
        tally.seconds_sum += seconds
        tally.seconds_counts[bisect_left(_REQUEST_BOUNDS, seconds)] += 1
        tally.added_sum += added_seconds
        tally.added_counts[bisect_left(_ADDED_BOUNDS, added_seconds)] += 1
        if not self._timer_set:
            self._set_timer()
        elif time.monotonic() >= self._next_flush:
            # The timer's loop is gone (a test's, say): flush from here instead.
            self.flush()

    def flush(self) -> None:
        """Move every tallied call into the metric families (before a scrape, and within FLUSH_SECONDS)."""
        self._timer_set = False
        self._next_flush = time.monotonic() + FLUSH_SECONDS
        for tally in self._tallies.values():
            if tally.calls:
                tally.move()

    def refused(self, route: str, status: int) -> None:
        """A call the gateway refused before it had an upstream (an unknown key)."""
        self._families.requests.labels(route, str(status), "none").inc()

    def upstream_failed(self, upstream: str, kind: str) -> None:
        """An upstream that could not be reached, did not answer in time, or broke off its answer."""
        self._families.upstream_errors.labels(upstream, kind).inc()

    def _set_timer(self) -> None:
        """Flush within FLUSH_SECONDS: on the running event loop, or (without one) at a later call or scrape."""
        self._timer_set = True
        self._next_flush = time.monotonic() + FLUSH_SECONDS
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_later(FLUSH_SECONDS, self.flush)

    def _tally(self, route: str, status: int | None, upstream: str) -> _Tally:
        """The tally of a (route, status, upstream) seen for the first time, with its label children bound once."""
        families = self._families
        tally = _Tally(
            families.requests.labels(route, "none" if status is None else str(status), upstream),
            families.request_seconds.labels(route, upstream),
            families.added_seconds.labels(route, upstream),
        )
        self._tallies[(route, status, upstream)] = tally
        return tally


@cache
def request_metrics() -> RequestMetrics:
    """This process's recorder of proxied calls (one, so a scrape can flush what it has tallied)."""
    return RequestMetrics(gateway_metrics())
