"""What the load-and-faults benchmark watches: the gateway process, its memory, /readyz, /metrics, the store, the spool."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from proxy_runs import rss_mb, stop, wait_for_port

# Counters and gauges worth quoting from the gateway's /metrics (names without labels match any).
METRICS = (
    'feedgate_writer_rows_total{destination="database"}',
    'feedgate_writer_rows_total{destination="spool"}',
    'feedgate_writer_spool_replays_total{outcome="completed"}',
    'feedgate_writer_spool_replays_total{outcome="failed"}',
    "feedgate_writer_spool_replayed_rows_total",
    "feedgate_writer_spool_bytes",
)


@dataclass
class Gateway:
    """`feedgate serve` as a subprocess that can be started again after a kill (same settings, same spool)."""

    command: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """Where clients send requests."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self.process is not None
        return self.process.pid

    def start(self) -> float:
        """Start the process and wait until it listens; returns the seconds it took."""
        started = time.monotonic()
        with self.log.open("ab") as log:
            log.write(f"\n--- start {self.starts + 1} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        wait_for_port(self.port, self.process, "the gateway", self.log)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever the writer held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """A clean shutdown (SIGINT: the writer flushes), SIGKILL after 30 s."""
        stop(self.process)

    def log_count(self, text: str) -> int:
        """How many lines of the gateway's log contain `text`."""
        return sum(text in line for line in self.log.read_text(errors="replace").splitlines())


@dataclass
class Watch:
    """Samples taken while traffic runs: the gateway's RSS and its /readyz answers, seconds after `start`."""

    start: float
    rss: list[tuple[float, float]] = field(default_factory=list)  # (s, MB)
    readiness: list[tuple[float, str]] = field(default_factory=list)  # (s, "200 ready" / "503 not ready" / ...)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def begin(self, session: aiohttp.ClientSession, gateway: Gateway, rss_every: float) -> None:
        """Start sampling in the background."""
        self._tasks = [
            asyncio.create_task(self._sample_rss(gateway, rss_every)),
            asyncio.create_task(self._poll_readiness(session, gateway)),
        ]

    async def end(self) -> None:
        """Stop sampling."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def now(self) -> float:
        """Seconds since `start`."""
        return time.monotonic() - self.start

    async def _sample_rss(self, gateway: Gateway, every: float) -> None:
        while True:
            with contextlib.suppress(OSError, AssertionError):
                self.rss.append((round(self.now(), 2), round(rss_mb(gateway.pid), 1)))
            await asyncio.sleep(every)

    async def _poll_readiness(self, session: aiohttp.ClientSession, gateway: Gateway) -> None:
        while True:
            state = await readiness(session, gateway.url)
            if not self.readiness or self.readiness[-1][1] != state:
                self.readiness.append((round(self.now(), 2), state))
            await asyncio.sleep(1.0)


async def readiness(session: aiohttp.ClientSession, base_url: str) -> str:
    """`/readyz` in a few words: its status code, status and writer check."""
    try:
        async with session.get(base_url + "/readyz", timeout=aiohttp.ClientTimeout(total=5)) as response:
            payload = orjson.loads(await response.read())
    except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
        return f"no answer ({type(exc).__name__})"
    writer = str(payload.get("checks", {}).get("writer", "?")).split(":", 1)[0]
    return f"{response.status} {payload.get('status')} (writer {writer})"


async def wait_until_storing(session: aiohttp.ClientSession, base_url: str, timeout: float = 60.0) -> str:
    """Wait until /readyz says ready with the writer storing (the spool replayed); the last answer."""
    deadline = time.monotonic() + timeout
    state = await readiness(session, base_url)
    while state != "200 ready (writer storing)" and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        state = await readiness(session, base_url)
    return state


async def metrics(session: aiohttp.ClientSession, base_url: str) -> dict[str, float]:
    """The writer's metrics (see METRICS) from the gateway's /metrics; missing ones are left out."""
    async with session.get(base_url + "/metrics", timeout=aiohttp.ClientTimeout(total=10)) as response:
        text = await response.text()
    found: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in METRICS:
            found[name] = float(value)
    return found


def rss_growth(samples: list[tuple[float, float]], warmup_s: float) -> dict[str, Any]:
    """RSS after warm-up: the first and last few samples' medians, the peak, and growth in percent."""
    after = [mb for t, mb in samples if t >= warmup_s]
    if len(after) < 2:
        return {"samples": len(samples), "note": "too few samples after warm-up"}
    window = max(1, min(5, len(after) // 4))
    first, last = sorted(after[:window])[window // 2], sorted(after[-window:])[window // 2]
    return {
        "samples": len(samples),
        "warmup_s": warmup_s,
        "after_warmup_mb": first,
        "end_mb": last,
        "peak_mb": max(after),
        "growth_pct": round((last - first) * 100 / first, 1),
    }


# --- the store and the spool -----------------------------------------------------------------


class Store:
    """The private PostgreSQL database the gateway writes into, asked for one tag's interactions."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.dsn, timeout=5)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def ids(self, tag: str) -> list[str]:
        """Every stored interaction id for `tag`, one per row (so a duplicate would show twice)."""
        rows = await self._fetch("SELECT id::text AS id FROM interactions WHERE end_user = $1", tag)
        return [row["id"] for row in rows]

    async def rows(self, tag: str) -> dict[str, dict[str, Any]]:
        """The fault-relevant columns of `tag`'s interactions, by id."""
        query = (
            "SELECT id::text AS id, model, stream, status_code, partial, error, response_text"
            " FROM interactions WHERE end_user = $1"
        )
        return {row["id"]: dict(row) for row in await self._fetch(query, tag)}

    async def wait_for(self, tag: str, expected: int, timeout: float) -> tuple[list[str], float]:
        """Poll until `expected` rows carry `tag` (or `timeout` passes); the ids and the seconds waited."""
        started = time.monotonic()
        while True:
            try:
                ids = await self.ids(tag)
            except (OSError, asyncpg.PostgresError):
                ids = []  # the database is still coming back
            waited = time.monotonic() - started
            if len(ids) >= expected or waited > timeout:
                return ids, waited
            await asyncio.sleep(0.5)


def spool_ids(spool: Path) -> list[str]:
    """The interaction ids in the spool file (and any per-process sibling of it), in order."""
    ids: list[str] = []
    for path in sorted(spool.parent.glob(spool.stem + "*" + spool.suffix)):
        for line in path.read_bytes().splitlines():
            with contextlib.suppress(orjson.JSONDecodeError):
                ids.append(str(orjson.loads(line)["id"]))
    return ids


async def wait_for_spool(spool: Path, expected: set[str], timeout: float) -> tuple[list[str], float]:
    """Poll the spool until it holds every id in `expected` (or `timeout` passes); its ids and the seconds waited."""
    started = time.monotonic()
    while True:
        ids = await asyncio.to_thread(spool_ids, spool)
        waited = time.monotonic() - started
        if expected <= set(ids) or waited > timeout:
            return ids, waited
        await asyncio.sleep(0.1)


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]
