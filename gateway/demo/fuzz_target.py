"""A gateway to fuzz: on a real socket, a fresh database, the fake upstream, and a log of crashes.

Used by benchmarks/fuzz_api.py and benchmarks/fuzz_proxy.py. Besides the HTTP status a client
sees, a fuzz must notice exceptions that escape the ASGI app (uvicorn turns them into a bare 500,
or, after the answer started, into a dropped connection the client cannot tell apart from its
own doing): `crashes` collects every ERROR record that uvicorn and the gateway log meanwhile.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream
from gateway.demo.threaded_server import ThreadedServer
from gateway.request_limits import bounded_protocol
from gateway.store.migrate import upgrade_database

ADMIN_TOKEN = "fuzz-admin-token"
# The pass-through key every fuzz request carries (the fake upstream takes any).
APP_KEY = "sk-fuzz"
# Loggers whose ERROR records mean the gateway, not the client, went wrong.
CRASH_LOGGERS = ("uvicorn.error", "uvicorn.asgi", "litestar", "feedgate")


class CrashLog(logging.Handler):
    """Keeps the ERROR records logged while it is attached, except those of the upstream's server thread.

    The fake upstream runs in this process too; its own failures are the upstream's, not the gateway's.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.upstream_records: list[logging.LogRecord] = []
        self.upstream_thread: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName == self.upstream_thread:
            self.upstream_records.append(record)
        else:
            self.records.append(record)

    def lines(self) -> list[str]:
        """One line per record: logger, message and the exception's type, if any."""
        result = []
        for record in self.records:
            error = ""
            if record.exc_info and record.exc_info[0] is not None:
                error = f" ({record.exc_info[0].__name__}: {record.exc_info[1]})"
            result.append(f"{record.name}: {record.getMessage()}{error}")
        return result


@dataclass
class FuzzTarget:
    """The running gateway and what a fuzz needs to talk to it and judge it."""

    gateway: ThreadedServer
    upstream: RunningFakeUpstream
    settings: Settings
    crashes: CrashLog = field(default_factory=CrashLog)
    _interaction_id: str | None = None

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:port`` of the gateway."""
        return self.gateway.origin

    def interaction_id(self) -> str:
        """The id of a stored interaction of the fuzz's own app key (made on first use)."""
        if self._interaction_id is None:
            answer = httpx.post(
                f"{self.origin}/v1/chat/completions",
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "an answer to rate"}]},
                headers={"authorization": f"Bearer {APP_KEY}"},
                timeout=10,
            )
            answer.raise_for_status()
            self._interaction_id = answer.headers["x-feedgate-interaction-id"]
            app: FeedgateApp = self.gateway.app
            self.gateway.run_coroutine(app.services.writer.flush())
        return self._interaction_id

    @property
    def admin_headers(self) -> dict[str, str]:
        """Headers that pass the admin API's token check."""
        return {"authorization": f"Bearer {ADMIN_TOKEN}"}

    def healthy(self) -> bool:
        """Whether the gateway still answers its health probe and a plain proxied call."""
        try:
            probe = httpx.get(f"{self.origin}/healthz", timeout=10)
            call = httpx.post(
                f"{self.origin}/v1/chat/completions",
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "still there?"}]},
                headers={"authorization": f"Bearer {APP_KEY}"},
                timeout=10,
            )
        except httpx.HTTPError:
            return False
        return probe.status_code == 200 and call.status_code == 200


def fuzz_settings(database_url: str, upstream_url: str, folder: Path, max_request_bytes: int) -> Settings:
    """Settings for a gateway under fuzz: short timeouts, a spool in `folder`."""
    return Settings(
        database_url=database_url,
        upstream_url=upstream_url,
        admin_token=ADMIN_TOKEN,
        spool_path=folder / "spool.jsonl",
        max_request_bytes=max_request_bytes,
        writer_flush_interval=0.05,
        upstream_read_timeout=10.0,
        stats_refresh_interval=0,
    )


@contextmanager
def running_fuzz_target(database_url: str | None = None, max_request_bytes: int = 1024 * 1024) -> Iterator[FuzzTarget]:
    """Start the fake upstream and a gateway (migrating `database_url`, or a temp SQLite file)."""
    with tempfile.TemporaryDirectory(prefix="feedgate-fuzz-") as temp:
        folder = Path(temp)
        url = database_url or f"sqlite+aiosqlite:///{folder / 'feedgate.db'}"
        upgrade_database(url)
        crashes = CrashLog()
        loggers = [logging.getLogger(name) for name in CRASH_LOGGERS]
        for logger in loggers:
            logger.addHandler(crashes)
        try:
            with run_fake_upstream() as upstream:
                crashes.upstream_thread = f"asgi-server-{upstream.port}"
                settings = fuzz_settings(url, upstream.url, folder, max_request_bytes)
                app: FeedgateApp = create_app(settings, environ={})
                gateway = ThreadedServer(app, lifespan="on", loop="uvloop", http=bounded_protocol(settings)).start(60)
                try:
                    yield FuzzTarget(gateway, upstream, settings, crashes)
                finally:
                    gateway.stop()
        finally:
            for logger in loggers:
                logger.removeHandler(crashes)
