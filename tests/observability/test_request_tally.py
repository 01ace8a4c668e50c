"""The proxy's call tally: what it adds to the metrics is exactly what observing each call would have added."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from gateway.observability.metrics import GatewayMetrics
from gateway.observability.request_metrics import RequestMetrics

from .scrape import sample

# (seconds, added seconds): across many buckets, on bucket bounds, and beyond the last bound.
CALLS = [(0.004, 0.00009), (0.005, 0.0001), (0.3, 0.0004), (0.3, 0.002), (12.0, 0.3), (900.0, 2.0)]


def test_tallied_calls_add_what_observing_each_call_would():
    tallied_registry, observed_registry = CollectorRegistry(), CollectorRegistry()
    recorder = RequestMetrics(GatewayMetrics(tallied_registry))
    observed = GatewayMetrics(observed_registry)

    for seconds, added in CALLS:
        recorder.record("chat.completions", 200, "default", seconds, added)
        observed.requests.labels("chat.completions", "200", "default").inc()
        observed.request_seconds.labels("chat.completions", "default").observe(seconds)
        observed.added_seconds.labels("chat.completions", "default").observe(added)
    recorder.flush()

    def request_lines(registry: CollectorRegistry) -> list[str]:
        # _created samples carry each family's creation time, which differs between the two registries.
        text = generate_latest(registry).decode()
        return [line for line in text.splitlines() if line.startswith("feedgate_") and "_created" not in line]

    assert request_lines(tallied_registry) == request_lines(observed_registry)


def test_tallied_calls_reach_the_metrics_at_the_flush():
    registry = CollectorRegistry()
    recorder = RequestMetrics(GatewayMetrics(registry))
    labels = {"route": "embeddings", "status": "200", "upstream": "local"}

    recorder.record("embeddings", 200, "local", 0.01, 0.0002)
    before_flush = sample(generate_latest(registry).decode(), "feedgate_requests_total", **labels)
    recorder.flush()
    after_flush = sample(generate_latest(registry).decode(), "feedgate_requests_total", **labels)

    assert (before_flush, after_flush) == (0, 1)


def test_a_call_without_a_status_is_counted_under_none():
    registry = CollectorRegistry()
    recorder = RequestMetrics(GatewayMetrics(registry))

    recorder.record("responses", None, "default", 0.5, 0.001)
    recorder.flush()

    labels = {"route": "responses", "status": "none", "upstream": "default"}
    assert sample(generate_latest(registry).decode(), "feedgate_requests_total", **labels) == 1
