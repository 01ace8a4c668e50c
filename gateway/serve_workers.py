"""`feedgate serve --workers N`: N gateway processes sharing one port, through uvicorn's multi-process mode.

The parent binds the socket once and starts N workers (spawned, so each imports the app afresh);
uvicorn restarts a worker that dies. Each worker builds its settings exactly as the parent did —
from the same config file, the same environment and the same command-line overrides — so the
settings are the same in all of them. What differs per process, and why it is safe:

- the writer and its spool: each process claims a spool of its own beside `spool_path` and adopts
  spools that dead processes left (gateway.recording.spool_claim);
- the feedback signing secret and the key salt, unless configured, live in the database
  (gateway.store.secrets), so a token one worker signs is accepted by every other;
- fixes (knowledge entries, prompt versions) are cached per process and each process reloads them
  within `knowledge_refresh_seconds` / `prompt_refresh_seconds` of a change (gateway.fixes.snapshots);
- clustering passes (`cluster_interval`) take a database lock, so one runs at a time.

A worker whose parent is killed outright stops itself, as on SIGTERM (gateway.parent_watch).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from gateway.app import FeedgateApp, create_app
from gateway.config import INTERNAL_VARIABLES_PREFIX, Settings, load_settings
from gateway.request_limits import bounded_protocol

# How the parent hands its command line to the workers (spawned processes inherit the environment).
ARGUMENTS_ENV = f"{INTERNAL_VARIABLES_PREFIX}SERVE_ARGUMENTS"
# The parent's pid, for the worker's parent watch: a worker slow to start may be reparented before it
# builds its app, and would then take its new parent (init, a subreaper) for the one to watch.
SERVE_PID_ENV = f"{INTERNAL_VARIABLES_PREFIX}SERVE_PID"
# prometheus_client's multi-process mode reads its per-process files from this folder: each
# multi-worker run gets a fresh one (unless the operator set it, which is then cleared of dead processes).
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
WORKER_APP = "gateway.serve_workers:worker_app"


# How a worker names a value the parent handed it beside its flags: the secrets the database keeps.
HANDED_OVER = "read from the database by feedgate serve"


@dataclass(frozen=True, slots=True)
class ServeArguments:
    """What `load_settings` was given on the command line: the config file and the flags' values (`flags` names
    those that are flags; the others the parent read from the database, `with_database_secrets`)."""

    config: str | None
    overrides: dict[str, Any]
    flags: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The arguments as one JSON string, for the environment."""
        return orjson.dumps({"config": self.config, "overrides": self.overrides, "flags": self.flags}).decode()

    @classmethod
    def from_json(cls, text: str) -> ServeArguments:
        """The arguments `to_json` wrote."""
        data = orjson.loads(text)
        return cls(config=data["config"], overrides=data["overrides"], flags=tuple(data["flags"]))

    def settings(self) -> Settings:
        """The settings these arguments give, loaded the same way as in the parent (a refusal naming the same
        flags, and what the parent read from the database as such)."""
        config = Path(self.config) if self.config else None
        return load_settings(config, flags=self.flags, passed_from=HANDED_OVER, **self.overrides)


def forwarded_allow_ips(trusted_proxies: list[str]) -> list[str]:
    """The trusted proxies as uvicorn reads them: networks in strict form (10.0.0.5/8 is 10.0.0.0/8 to the gateway;
    uvicorn took it for a host name that no address matches)."""
    return [str(ipaddress.ip_network(entry, strict=False)) for entry in trusted_proxies]


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the gateway, the same with one process or many."""
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        # httptools, with bounds on a request's head and on slow clients (gateway.request_limits).
        "http": bounded_protocol(settings),
        "lifespan": "on",
        # Calls still running this long after SIGTERM are stopped, and stored, before a process
        # manager's SIGKILL could lose them (gateway.proxy.forward).
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        "timeout_keep_alive": settings.keepalive_timeout,
        "access_log": settings.access_log,
        # uvicorn's middleware sets the client address its access log writes (from X-Forwarded-For)
        # and the scheme (from X-Forwarded-Proto); the gateway reads both itself where it needs them,
        # and the middleware was ~4 % of the event loop's time in py-spy on the proxy benchmark. Only
        # for the access log, and believing the gateway's trusted proxies alone: uvicorn's default
        # trusted 127.0.0.1 (or FORWARDED_ALLOW_IPS) whatever FEEDGATE_TRUSTED_PROXIES said.
        "proxy_headers": settings.access_log and bool(settings.trusted_proxies),
        "forwarded_allow_ips": forwarded_allow_ips(settings.trusted_proxies),
        "log_level": "info",
        # The upstream's own Date and Server headers pass through untouched.
        "server_header": False,
        "date_header": False,
    }


async def with_database_secrets(settings: Settings, arguments: ServeArguments) -> ServeArguments:
    """`arguments` with the key salt and feedback secret the database keeps, unless they are configured.

    Handed to the workers so that one started while the database is away still signs and checks
    feedback tokens, and maps pass-through keys to apps, exactly as the others do.
    """
    from gateway.store.engine import create_engine
    from gateway.store.secrets import get_or_create_secret

    missing = [name for name in ("key_salt", "feedback_secret") if getattr(settings, name) is None]
    if not missing:
        return arguments
    engine = create_engine(settings.database_url)
    try:
        found = {name: await get_or_create_secret(engine, name) for name in missing}
    finally:
        await engine.dispose()
    return ServeArguments(arguments.config, {**arguments.overrides, **found}, arguments.flags)


def worker_app() -> FeedgateApp:
    """uvicorn's app factory in each worker process."""
    from gateway.observability.logs import configure_logging
    from gateway.parent_watch import watch_parent

    text = os.environ.get(ARGUMENTS_ENV)
    if text is None:
        raise RuntimeError(f"{WORKER_APP} runs under `feedgate serve --workers N`, which sets {ARGUMENTS_ENV}")
    settings = ServeArguments.from_json(text).settings()
    # A spawned worker does not run the parent's set-up: its logs go the same way as the parent's.
    # (The metrics folder is the parent's to prepare; the worker only writes its files there.)
    configure_logging(settings.log_format, settings.log_level)
    # uvicorn's workers outlived a parent killed outright and kept its port (gateway.parent_watch).
    watch_parent(int(os.environ.get(SERVE_PID_ENV, os.getppid())))
    # The parent checked the database and handed over the secrets (run_workers): a worker uvicorn
    # starts while the database is away serves and spools rather than stopping every worker.
    return create_app(settings, serving=True, may_start_without_database=True)


def run_workers(settings: Settings, arguments: ServeArguments) -> None:
    """Serve with `settings.workers` processes on one port until interrupted; `arguments` hold the database's
    secrets (with_database_secrets), read by `feedgate serve` as it checks its database."""
    import uvicorn

    os.environ[ARGUMENTS_ENV] = arguments.to_json()
    os.environ[SERVE_PID_ENV] = str(os.getpid())
    metrics_dir = None
    if METRICS_DIR_ENV not in os.environ:
        # Without `metrics_dir` (which `prepare_observability` already named here), a fresh folder for
        # this run alone, so /metrics on any worker adds up every worker's values
        # (gateway.observability.multiprocess), removed when the server stops.
        remove_orphaned_metrics_dirs(Path(tempfile.gettempdir()))
        metrics_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
        os.environ[METRICS_DIR_ENV] = metrics_dir
    try:
        # log_config=None: uvicorn's own lines go through the handler each worker sets up in worker_app.
        options = {**uvicorn_options(settings), "log_config": None}
        uvicorn.run(WORKER_APP, factory=True, workers=settings.workers, **options)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(METRICS_DIR_ENV, None)
        os.environ.pop(ARGUMENTS_ENV, None)
        os.environ.pop(SERVE_PID_ENV, None)


# A run's own metrics folder in the temporary directory: feedgate-metrics-<serve's pid>-<random>.
METRICS_DIR_PREFIX = "feedgate-metrics-"


def remove_orphaned_metrics_dirs(folder: Path) -> list[Path]:
    """Remove the metrics folders in `folder` whose `serve` process is gone; those removed.

    A `serve` killed outright (`kill -9`, the out-of-memory killer) cannot remove its folder, and each
    restart would leave one more behind. A folder whose name carries no pid (an older release's) is kept.
    """
    removed = []
    for path in folder.glob(f"{METRICS_DIR_PREFIX}*-*"):
        pid = path.name[len(METRICS_DIR_PREFIX) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
