"""The gateway's Prometheus metrics, and the small recording API the rest of the code calls.

Every family is created once per process, on first use (`gateway_metrics()`): a process that
switches to multi-process mode first (`gateway.observability.multiprocess`) then gets values kept
in files that any process can aggregate. Names and labels are listed in
docs/observability.md.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

if TYPE_CHECKING:
    from gateway.domain.feedback import FeedbackEvent
    from gateway.feedback.service import Recorded

# Seconds. Upstream answers take from milliseconds (embeddings) to minutes (long streams).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
# Seconds. What the gateway adds is normally well under a millisecond.
ADDED_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
CLUSTERING_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

# Why an upstream gave no (complete) answer, as counted in feedgate_upstream_errors_total.
UPSTREAM_UNREACHABLE = "unreachable"
UPSTREAM_TIMEOUT = "timeout"
UPSTREAM_BROKE_OFF = "broke_off"


class GatewayMetrics:
    """Every metric family the gateway exports, registered in one registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        route_status_upstream = ["route", "status", "upstream"]
        self.requests = Counter(
            "feedgate_requests",
            "Calls through the proxy, by route (the recorded endpoint, or 'other'), HTTP status and upstream.",
            route_status_upstream,
            registry=registry,
        )
        self.request_seconds = Histogram(
            "feedgate_request_seconds",
            "Whole duration of a recorded call, from its arrival to the end of its answer.",
            ["route", "upstream"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.added_seconds = Histogram(
            "feedgate_gateway_added_seconds",
            "The part of a recorded call the gateway itself spent: before the request went upstream, "
            "and after the upstream's answer was complete.",
            ["route", "upstream"],
            buckets=ADDED_BUCKETS,
            registry=registry,
        )
        self.upstream_errors = Counter(
            "feedgate_upstream_errors",
            "Upstream calls without a complete answer: kind is unreachable, timeout or broke_off.",
            ["upstream", "kind"],
            registry=registry,
        )
        self.connections_closed = Counter(
            "feedgate_connections_closed",
            "Connections the gateway closed on a client before its request was whole: reason is "
            "head_too_large (431), head_timeout or body_too_slow (408), or silent (no byte sent).",
            ["reason"],
            registry=registry,
        )
        self.writer_queue_depth = Gauge(
            "feedgate_writer_queue_depth",
            "Interactions waiting in memory to be stored or spooled (refreshed every second while a batch waits).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.writer_batches = Counter(
            "feedgate_writer_batches",
            "Batches of interactions the writer put away, by destination (database or spool).",
            ["destination"],
            registry=registry,
        )
        self.writer_rows = Counter(
            "feedgate_writer_rows",
            "Interactions the writer put away, by destination (database or spool).",
            ["destination"],
            registry=registry,
        )
        self.spool_bytes = Gauge(
            "feedgate_writer_spool_bytes",
            "Size of the spool file waiting to be replayed into the database.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.spool_replays = Counter(
            "feedgate_writer_spool_replays",
            "Attempts to replay the spool into the database, by outcome (completed or failed).",
            ["outcome"],
            registry=registry,
        )
        self.spool_replayed_rows = Counter(
            "feedgate_writer_spool_replayed_rows",
            "Interactions stored by completed spool replays.",
            registry=registry,
        )
        self.feedback = Counter(
            "feedgate_feedback",
            "Accepted feedback signals by kind (thumbs_up, thumbs_down, rating, correction, comment); "
            "one submission may carry several.",
            ["kind"],
            registry=registry,
        )
        self.feedback_events = Counter(
            "feedgate_feedback_events",
            "Accepted feedback submissions, by who posted them (token or app) and whether they are negative.",
            ["via", "negative"],
            registry=registry,
        )
        self.clustering_seconds = Histogram(
            "feedgate_clustering_pass_seconds",
            "Duration of one app's clustering run within a pass.",
            buckets=CLUSTERING_BUCKETS,
            registry=registry,
        )
        self.clustering_items = Gauge(
            "feedgate_clustering_items",
            "Negative interactions the app's latest clustering run considered.",
            ["app"],
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.clustering_clusters = Gauge(
            "feedgate_clustering_clusters",
            "Clusters the app's latest clustering run found.",
            ["app"],
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.clustering_noise = Gauge(
            "feedgate_clustering_noise",
            "Interactions the app's latest clustering run left in no cluster.",
            ["app"],
            registry=registry,
            multiprocess_mode="mostrecent",
        )


@cache
def gateway_metrics() -> GatewayMetrics:
    """This process's metric families (created, and registered in the default registry, on first use)."""
    # No `<name>_created` series beside each counter and histogram: in the text format they read as counts
    # (`feedgate_writer_rows_created 1.79e+09`), docs/observability.md lists none, and several processes' /metrics
    # (MultiProcessCollector) has none either, so one process's and several's now look the same.
    disable_created_metrics()
    return GatewayMetrics(REGISTRY)


def metrics_created() -> bool:
    """Whether this process has created its metric families yet."""
    return gateway_metrics.cache_info().currsize > 0


# Why the gateway closed a connection before its request was whole (feedgate_connections_closed_total).
CLOSED_HEAD_TOO_LARGE = "head_too_large"
CLOSED_HEAD_TIMEOUT = "head_timeout"
CLOSED_BODY_TOO_SLOW = "body_too_slow"
CLOSED_SILENT = "silent"


def record_connection_closed(reason: str) -> None:
    """A connection closed on a client whose request was too large, too slow, or never began."""
    gateway_metrics().connections_closed.labels(reason).inc()


def record_writer_queue_depth(depth: int) -> None:
    """How many interactions wait for the writer as it wakes up."""
    gateway_metrics().writer_queue_depth.set(depth)


def record_writer_batch(destination: str, rows: int) -> None:
    """A batch of `rows` interactions put away in `destination` ("database" or "spool")."""
    families = gateway_metrics()
    families.writer_batches.labels(destination).inc()
    families.writer_rows.labels(destination).inc(rows)


def record_spool_size(size_bytes: int) -> None:
    """The spool file's size after the writer changed it."""
    gateway_metrics().spool_bytes.set(size_bytes)


def record_spool_replay(completed: bool, rows: int) -> None:
    """One attempt to replay the spool: completed (storing `rows`) or failed (the database is still away)."""
    families = gateway_metrics()
    families.spool_replays.labels("completed" if completed else "failed").inc()
    if completed:
        families.spool_replayed_rows.inc(rows)


def feedback_kinds(event: FeedbackEvent) -> list[str]:
    """The kinds of signal one feedback event carries."""
    kinds = [f"thumbs_{event.thumbs}"] if event.thumbs is not None else []
    if event.rating is not None:
        kinds.append("rating")
    if event.correction is not None:
        kinds.append("correction")
    if event.comment is not None:
        kinds.append("comment")
    return kinds


def record_feedback(recorded: Recorded) -> None:
    """Accepted feedback, counted by kind; an idempotent replay (nothing newly stored) is not counted."""
    if not recorded.created:
        return
    event = recorded.event
    families = gateway_metrics()
    families.feedback_events.labels(event.submitted_via, "true" if event.negative else "false").inc()
    for kind in feedback_kinds(event):
        families.feedback.labels(kind).inc()


def record_clustering_run(app: str, seconds: float, items: int, clusters: int, noise: int) -> None:
    """One app's clustering run within a pass: how long it took and what it found."""
    families = gateway_metrics()
    families.clustering_seconds.observe(seconds)
    families.clustering_items.labels(app).set(items)
    families.clustering_clusters.labels(app).set(clusters)
    families.clustering_noise.labels(app).set(noise)
