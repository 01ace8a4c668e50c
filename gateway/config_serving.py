"""Settings of the serving path: address, database, upstreams, keys, request limits, the writer, logs, metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from gateway.config_checks import (
    ANY_CASE,
    MAX_PORT,
    MIN_PORT,
    check_database_url,
    off_or_at_least,
)
from gateway.config_entries import DEFAULT_UPSTREAM, Upstream, checked_upstream_url
from gateway.config_upstream_checks import upstream_refusals


class ServingSettings(BaseModel):
    """How the gateway serves calls: where it listens, what it forwards to, how it records and reports them."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=MIN_PORT, le=MAX_PORT)
    # Gateway processes `feedgate serve` runs on the one port (gateway.serve_workers).
    workers: int = Field(default=1, ge=1)
    database_url: str = "sqlite+aiosqlite:///./feedgate.db"

    # The default upstream, used for every model that no entry in `upstreams` claims.
    upstream_url: str = "https://api.openai.com/v1"
    upstream_api_key_env: str | None = "OPENAI_API_KEY"
    upstreams: list[Upstream] = Field(default_factory=list)

    # "passthrough": forward the client's own Authorization header (zero set-up).
    # "gateway": clients present keys issued by `feedgate keys create`; the gateway
    # swaps them for the routed upstream's own key.
    key_mode: Annotated[Literal["passthrough", "gateway"], ANY_CASE] = "passthrough"
    admin_token: str | None = None
    # Salt for app fingerprints of pass-through keys; generated and kept in the
    # database when not set.
    key_salt: str | None = None
    # Gateway-key mode: each process keeps a key's lookup this many seconds, so calls cost no database
    # round trip; a revoked key is refused by every running process within this time. 0: every call looks.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=3600)

    max_request_bytes: int = Field(default=32 * 1024 * 1024, ge=1)
    # Slow clients (gateway.request_limits): a request's headers must arrive within this many seconds,
    # and its body at this many bytes a second on average after the same grace; else 408 and close.
    request_head_timeout: float = Field(default=10.0, gt=0)
    request_body_min_rate: float = Field(default=1024.0, gt=0)
    # On SIGTERM, calls still running after this many seconds are stopped (answered 503, or a stream
    # cut and stored as partial) so that the process stores them before a process manager kills it.
    shutdown_timeout: float = Field(default=25.0, gt=0)
    # An idle kept-alive client connection is closed after this many seconds. Longer than the
    # OpenAI SDKs' own idle expiry (5 s), so a client never reuses one the gateway is closing; behind
    # a load balancer that keeps connections open, set it above the balancer's idle timeout.
    keepalive_timeout: float = Field(default=10.0, gt=0)
    upstream_connect_timeout: float = Field(default=10.0, gt=0)
    upstream_read_timeout: float = Field(default=600.0, gt=0)
    # A client whose own read timeout is longer (the OpenAI SDKs send theirs, x-stainless-read-timeout) is
    # waited for as long, up to this many seconds (gateway.proxy.read_timeouts); never less than the above.
    # Unset, none is: the SDKs send theirs (600 s unless set) on every call, so a default ceiling would undo
    # an operator's lower read timeout for every SDK client.
    upstream_max_read_timeout: float | None = Field(default=None, gt=0)
    upstream_max_connections: int = Field(default=512, ge=1)
    # An idle pooled upstream connection is dropped after this many seconds. It must stay below the
    # upstream's own idle timeout, or a request can be written into a connection the server is
    # closing and fail with a 502: uvicorn (vLLM, most Python servers) closes after 5 s.
    upstream_keepalive_timeout: float = Field(default=4.0, gt=0)
    # "aiohttp" (fastest, see gateway/proxy/upstream.py) or "httpx" (httpx's own
    # transport, which honours HTTP(S)_PROXY and friends from the environment).
    upstream_http_client: Annotated[Literal["aiohttp", "httpx"], ANY_CASE] = "aiohttp"

    # The writer (gateway.recording.writer) stores at most `writer_batch_size` interactions a turn and wakes at
    # least every `writer_flush_interval` seconds (a few milliseconds at the least: less keeps a core busy); more
    # than `writer_queue_size` waiting go to the spool; a database away is retried every `writer_retry_interval`.
    writer_batch_size: int = Field(default=500, ge=1)
    writer_flush_interval: float = Field(default=0.2, ge=0.005)
    writer_queue_size: int = Field(default=50_000, ge=1)
    writer_retry_interval: float = Field(default=2.0, ge=0.05)
    # A database that takes a batch and does not answer within this many seconds (a stopped server, a
    # route that drops packets) counts as away: the writer spools. On SQLite, which cannot hang that
    # way, it is how long the writer waits for the write lock another connection holds.
    writer_database_timeout: float = Field(default=30.0, gt=0)
    # Seconds between the rounds of `serve` (each process) and `worker` that number rows stored without a place in
    # the stored order (gateway.domain.late_numbering): how long a row an older gateway stored waits, at most, to be
    # listed by `stored_after`. A round finding none costs one indexed query.
    late_numbering_interval: float = Field(default=60.0, ge=1)
    # How long feedback posts, the admin API and pages, gateway-key lookups and the background refreshers wait
    # for each database answer (a lock held elsewhere, a stopped server) before giving up: 503 with Retry-After,
    # or a logged failure. The writer has its own limit above; the clustering pass, pruning and erasure have none.
    database_timeout: float = Field(default=10.0, gt=0)
    spool_path: Path = Path("./feedgate.spool.jsonl")

    access_log: bool = False

    # Observability (gateway.observability). Logs: "auto" writes human-readable text on a terminal
    # and one JSON object a line anywhere else; "text" or "json" force one. Every line about a
    # proxied call names its interaction id.
    log_format: Annotated[Literal["auto", "text", "json"], ANY_CASE] = "auto"
    log_level: Annotated[Literal["debug", "info", "warning", "error"], ANY_CASE] = "info"
    # Metrics of several worker processes: each keeps its values in files in this folder (emptied
    # by `feedgate serve` at start; it becomes PROMETHEUS_MULTIPROC_DIR) and /metrics adds up every
    # process's. Unset: /metrics shows the answering process's own. With `metrics_token` set,
    # /metrics wants `Authorization: Bearer <token>`; /healthz and /readyz never need a token.
    metrics_dir: Path | None = None
    metrics_token: str | None = None
    # `feedgate worker` serves /metrics (its clustering passes, same token) and /healthz on this
    # port when set; 127.0.0.1 unless the host is widened (0.0.0.0 in a container).
    worker_metrics_port: int | None = Field(default=None, ge=MIN_PORT, le=MAX_PORT)
    worker_metrics_host: str = "127.0.0.1"
    # Benchmarks only (benchmarks/proxy_latency.py --loop-lag): sample the event loop's lag and GC
    # pauses into this file (gateway.observability.loop_lag). It costs the loop work: leave unset.
    loop_lag_file: Path | None = None
    # `feedgate serve` freezes what start-up built out of the garbage collector's sight and collects
    # young objects every this many allocations (Python's default is 700; 0 leaves the collector
    # as it is): full collections had walked ~150k long-lived objects, pausing the loop 100+ ms.
    gc_young_threshold: int = Field(default=20_000, ge=0, le=1_000_000)
    # Serving processes hand freed heap memory back to the system this often (seconds; 0: never),
    # with glibc's malloc_trim (gateway.observability.heap): e.g. what a database outage's spooling freed.
    heap_trim_interval: Annotated[float, AfterValidator(off_or_at_least(1, "second"))] = Field(default=60, ge=0)

    @field_validator("upstream_url")
    @classmethod
    def _http_upstream(cls, url: str) -> str:
        # Checked here too, so a bad default upstream fails at load, not at startup.
        return checked_upstream_url(url)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        elif url.startswith("sqlite://"):
            url = "sqlite+aiosqlite://" + url.split("://", 1)[1]
        check_database_url(url)
        return url

    @field_validator("upstreams")
    @classmethod
    def _upstreams_named_and_claimed_once(cls, upstreams: list[Upstream]) -> list[Upstream]:
        claims = [(upstream.name, upstream.models, upstream.model_prefixes) for upstream in upstreams]
        upstream_refusals([upstream.name for upstream in upstreams], DEFAULT_UPSTREAM, claims)
        return upstreams

    def all_upstreams(self) -> list[Upstream]:
        """Configured upstreams followed by the default one, which catches every other model."""
        default = Upstream(name=DEFAULT_UPSTREAM, url=self.upstream_url, api_key_env=self.upstream_api_key_env)
        return [*self.upstreams, default]
