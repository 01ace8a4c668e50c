"""Proxy overhead: latency and throughput directly against a fake upstream vs through Feedgate.

Run: `.venv/bin/python benchmarks/proxy_latency.py [--duration 10] [--json results.json]`
(`--database-url postgresql://...` to log into PostgreSQL instead of a temporary SQLite file;
the schema must be upgradable by `feedgate db upgrade`, which the script runs first).

What it does, in one run on one machine:

1. Starts `python -m gateway.fake_upstream` (uvloop + httptools, recording off) and
   `feedgate serve` pointed at it, with logging on (every chat call is stored in the database),
   as subprocesses on free local ports; both are killed at the end, whatever happens.
2. For each scenario, direct (wrk -> fake upstream) and gateway (wrk -> Feedgate -> fake
   upstream), at concurrency 1 (`wrk -t1 -c1`) and 32 (`wrk -t2 -c32`), non-streaming and
   streaming: a warm-up wrk run (`--warmup` s, default 2) and then a measured one
   (`--duration` s, default 10) of `POST /v1/chat/completions` with a small realistic body
   (gpt-4o-mini, a system and a user message; the streaming body adds `"stream": true` and
   `stream_options.include_usage`). Direct and gateway runs of one scenario are back to back.
3. Reports p50/p99 latency and requests/s per scenario, the gateway's added p50/p99 (gateway
   minus direct, same scenario), and the gateway's CPU time per request: utime+stime from
   /proc/<gateway pid>/stat (all its threads) before the measured run and after the
   background writer has stored that run's rows, divided by the requests sent. The
   gateway's (and the upstream's) CPU thus includes the logging work, not only the proxying.
4. Checks that every request that reached the gateway was stored: each run tags its requests
   with a distinct `x-feedgate-user` header and the script counts rows per tag in the
   `interactions` table and compares with the number of requests wrk wrote (counted in the Lua
   `request()` hook). wrk's completed-request count is lower by the requests still in flight
   when it stops (at most one per connection); those reached the gateway and are logged too.

Caveats worth quoting with the numbers:

- Latency is wrk's: from writing the request to reading the whole response. For streams that
  is the time to the last SSE event ([DONE]), not to the first token; the fake upstream sends
  its events back to back, so this is the full proxying cost of a short stream.
- wrk is closed-loop (a connection sends its next request when the previous answer is in), so
  at c32 the latency is mostly queueing behind the slowest component, and requests/s is the
  capacity of the whole box, not of the gateway alone.
- wrk, the fake upstream and the gateway (one process, one event loop) share the same cores
  (2 on the reference machine), so through the gateway three processes compete for them
  where direct runs have two; the c32 throughput ratio understates what the gateway does on
  a core of its own. CPU per request is the better capacity figure: 1 / (CPU s per request)
  is the requests/s one fully used core of gateway would sustain.
- Keep-alive connections throughout (wrk's default), both client->gateway and gateway->upstream.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
PATH = "/v1/chat/completions"
CLK_TCK = os.sysconf("SC_CLK_TCK")

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"},
]
BODY = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}

# (label, wrk threads, connections)
CONCURRENCY = {1: (1, 1), 32: (2, 32)}


@dataclass
class Run:
    """One measured wrk run."""

    target: str  # "direct" | "gateway"
    concurrency: int
    stream: bool
    tag: str
    requests: int  # completed, as wrk counts them
    sent: int  # written by wrk (includes the ones in flight at the end)
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int  # wrk's "Non-2xx or 3xx responses" (status > 399)
    socket_errors: int  # connect + read + write + timeout
    cpu_ms_per_request: float | None = None  # gateway only, until the writer has stored the run's rows
    cpu_ms_per_request_run: float | None = None  # gateway only, until wrk ended (rows may still be queued)
    upstream_cpu_ms_per_request: float | None = None
    stored: int | None = None  # gateway only: rows in the database with this run's tag
    drain_s: float | None = None  # gateway only: time after wrk ended until every row was stored


@dataclass
class Results:
    machine: dict[str, Any]
    settings: dict[str, Any]
    runs: list[Run] = field(default_factory=list)
    warmups: list[Run] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited with code {process.returncode} before listening; its log:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    sys.exit(f"{name} did not listen on port {port} within {timeout:.0f} s; its log:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes] | None, graceful: bool = True) -> None:
    if process is None or process.poll() is not None:
        return
    if graceful:
        process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly (lifespan: writer flushes)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
            return
    process.kill()
    process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" closing comm: fields[0] is state (field 3), so utime (14) and stime (15) are 11 and 12.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install -y wrk` (Debian/Ubuntu package `wrk`) and retry.")
    print("wrk not found: installing it with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=False, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("apt-get install wrk succeeded but wrk is still not on PATH")
    return wrk


def run_wrk(wrk: str, url: str, concurrency: int, seconds: int, body: bytes, tag: str) -> dict[str, Any]:
    threads, connections = CONCURRENCY[concurrency]
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(LUA_SCRIPT), url, "--", body.decode(), tag,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("FEEDGATE_WRK "):
            return json.loads(line.removeprefix("FEEDGATE_WRK "))
    sys.exit(f"wrk failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


def to_run(target: str, concurrency: int, stream: bool, tag: str, raw: dict[str, Any]) -> Run:
    duration = raw["duration_us"] / 1e6
    return Run(
        target=target,
        concurrency=concurrency,
        stream=stream,
        tag=tag,
        requests=raw["requests"],
        sent=raw["sent"],
        duration_s=round(duration, 3),
        rps=round(raw["requests"] / duration, 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        p999_ms=raw["p999_us"] / 1000,
        mean_ms=round(raw["mean_us"] / 1000, 3),
        max_ms=raw["max_us"] / 1000,
        non_2xx=raw["status_errors"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
    )


# --- the database ----------------------------------------------------------------------------


class Store:
    """Counts stored interactions per `end_user` tag (sqlite3 for SQLite, SQLAlchemy otherwise)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.sqlite_path: str | None = None
        if database_url.startswith("sqlite"):
            self.sqlite_path = database_url.split(":///", 1)[1]
        else:
            from sqlalchemy import create_engine

            sync_url = database_url.replace("+asyncpg", "").replace("postgres://", "postgresql://")
            if sync_url.startswith("postgresql://"):
                # A sync driver may not be installed; use whichever is.
                for module, scheme in (("psycopg", "postgresql+psycopg://"), ("psycopg2", "postgresql+psycopg2://")):
                    with contextlib.suppress(ImportError):
                        __import__(module)
                        sync_url = scheme + sync_url.split("://", 1)[1]
                        break
            self.engine = create_engine(sync_url) if "+psycopg" in sync_url else None
            self.async_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]

    def counts(self, prefix: str) -> dict[str, int]:
        query = "SELECT end_user, COUNT(*) FROM interactions WHERE end_user LIKE :p GROUP BY end_user"
        if self.sqlite_path is not None:
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as db:
                rows = db.execute(query.replace(":p", "?"), (prefix + "%",)).fetchall()
            return {user: n for user, n in rows}
        from sqlalchemy import text

        if self.engine is not None:
            with self.engine.connect() as connection:
                return dict(connection.execute(text(query), {"p": prefix + "%"}).all())
        import asyncio

        from sqlalchemy.ext.asyncio import create_async_engine

        async def count() -> dict[str, int]:
            engine = create_async_engine(self.async_url)
            try:
                async with engine.connect() as connection:
                    return dict((await connection.execute(text(query), {"p": prefix + "%"})).all())
            finally:
                await engine.dispose()

        return asyncio.run(count())

    def count(self, tag: str) -> int:
        return self.counts(tag).get(tag, 0)

    def wait_for(self, tag: str, expected: int, timeout: float = 60.0) -> tuple[int, float]:
        """Poll until `expected` rows carry `tag` (or the count stops moving); (count, seconds waited)."""
        started = time.monotonic()
        last, last_change = -1, started
        while True:
            stored = self.count(tag)
            now = time.monotonic()
            if stored >= expected:
                return stored, now - started
            if stored != last:
                last, last_change = stored, now
            if now - last_change > 5.0 or now - started > timeout:
                return stored, now - started
            time.sleep(0.05)


# --- reporting -------------------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return {
        "cores": os.cpu_count(),
        "affinity_cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": " ".join(wrk_version.split()[:2]),
        # Other work on the box skews everything: quote the load average with the numbers.
        "loadavg_1min_at_start": os.getloadavg()[0],
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(results: Results) -> str:
    m, s = results.machine, results.settings
    lines = [
        f"Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), Linux {m['kernel']}, Python {m['python']}, "
        f"{m['wrk']}. wrk, the fake upstream and the gateway share these cores "
        f"(1-min load average {m['loadavg_1min_at_start']:.2f} before the run, "
        f"{m.get('loadavg_1min_at_end', float('nan')):.2f} at the end, this benchmark included).",
        f"Each run: {s['warmup_s']} s warm-up then {s['duration_s']} s measured; c1 = `wrk -t1 -c1`, "
        f"c32 = `wrk -t2 -c32`; POST {PATH}, gpt-4o-mini, 2 messages ({s['body_bytes']} B; "
        f"stream body {s['stream_body_bytes']} B); gateway logging into {s['database']}.",
        "Latency = request written to full response read (for streams: to the last SSE event).",
        "",
        "| Scenario | Direct p50 / p99 (ms) | Gateway p50 / p99 (ms) | Added p50 / p99 (ms) "
        "| Direct req/s | Gateway req/s | Gateway CPU / req (ms) | Non-2xx / socket errors (direct, gateway) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for concurrency in CONCURRENCY:
        for stream in (False, True):
            direct = next(r for r in results.runs if r.target == "direct" and r.concurrency == concurrency and r.stream == stream)
            gateway = next(r for r in results.runs if r.target == "gateway" and r.concurrency == concurrency and r.stream == stream)
            name = f"c{concurrency}, {'stream' if stream else 'non-stream'}"
            lines.append(
                f"| {name} "
                f"| {fmt(direct.p50_ms)} / {fmt(direct.p99_ms)} "
                f"| {fmt(gateway.p50_ms)} / {fmt(gateway.p99_ms)} "
                f"| +{fmt(gateway.p50_ms - direct.p50_ms)} / +{fmt(gateway.p99_ms - direct.p99_ms)} "
                f"| {direct.rps:,.0f} | {gateway.rps:,.0f} "
                f"| {fmt(gateway.cpu_ms_per_request, 3)} "
                f"| {direct.non_2xx}/{direct.socket_errors}, {gateway.non_2xx}/{gateway.socket_errors} |"
            )
    c = results.check
    lines += [
        "",
        f"Stored interactions: {c['stored_total']:,} of {c['sent_total']:,} requests sent to the gateway "
        f"({c['completed_total']:,} completed within wrk's measuring windows, the rest were in flight when wrk "
        f"stopped; warm-ups and {c['sanity']} sanity requests included) — "
        + ("every interaction logged." if c["ok"] else "MISMATCH, see per-run counts.")
        + f" Rows spooled to disk instead of the database: {c['spool_lines']}.",
    ]
    return "\n".join(lines)


def details(results: Results) -> str:
    lines = [
        "| Run | req sent | req done | req/s | p50 | p90 | p99 | p99.9 | max (ms) "
        "| gw CPU ms/req (run only) | gw CPU ms/req (+ drain) | upstream CPU ms/req | stored | drain s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.runs:
        lines.append(
            f"| {r.target} c{r.concurrency} {'stream' if r.stream else 'json'} | {r.sent:,} | {r.requests:,} | {r.rps:,.0f} "
            f"| {fmt(r.p50_ms)} | {fmt(r.p90_ms)} | {fmt(r.p99_ms)} | {fmt(r.p999_ms)} | {fmt(r.max_ms)} "
            f"| {fmt(r.cpu_ms_per_request_run, 3)} | {fmt(r.cpu_ms_per_request, 3)} | {fmt(r.upstream_cpu_ms_per_request, 3)} "
            f"| {'–' if r.stored is None else f'{r.stored:,}'} | {fmt(r.drain_s)} |"
        )
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def sanity_check(url: str, tag: str) -> int:
    """One JSON and one streaming call through `url`; returns the number of requests made."""
    for body in (BODY, STREAM_BODY):
        request = urllib.request.Request(
            url + PATH,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer sk-feedgate-bench", "x-feedgate-user": tag},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            if response.status != 200 or b"Echo:" not in payload:
                sys.exit(f"unexpected answer from {url}: {response.status} {payload[:300]!r}")
    return 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each measured run (default 2)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--database-url",
        help="where the gateway logs (default: a temporary SQLite file); PostgreSQL gets `feedgate db upgrade` first",
    )
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="feedgate-bench-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    if database_url.startswith("sqlite://"):
        database_url = "sqlite+aiosqlite://" + database_url.split("://", 1)[1]
    spool = workdir / "bench.spool.jsonl"
    run_id = uuid.uuid4().hex[:8]
    bin_dir = Path(sys.executable).parent
    feedgate = shutil.which("feedgate", path=str(bin_dir)) or shutil.which("feedgate")
    if feedgate is None:
        sys.exit("the `feedgate` command is not installed in this environment (pip install -e .)")

    body, stream_body = (json.dumps(b, separators=(",", ":")).encode() for b in (BODY, STREAM_BODY))
    results = Results(
        machine=machine_facts(),
        settings={
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "database": "SQLite (temporary file)" if args.database_url is None else database_url.split("://")[0],
            "body_bytes": len(body),
            "stream_body_bytes": len(stream_body),
            "wrk": {f"c{c}": f"-t{t} -c{n}" for c, (t, n) in CONCURRENCY.items()},
            "run_id": run_id,
        },
    )
    upstream_port, gateway_port = free_port(), free_port()
    upstream_log, gateway_log = workdir / "upstream.log", workdir / "gateway.log"
    env = {
        **os.environ,
        "FEEDGATE_UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}/v1",
        "FEEDGATE_DATABASE_URL": database_url,
        "FEEDGATE_SPOOL_PATH": str(spool),
    }
    env.pop("FEEDGATE_KEY_MODE", None)  # pass-through keys: wrk's Authorization is forwarded as is
    upstream = gateway = None
    store = Store(database_url)
    print(f"# Feedgate proxy latency benchmark (run {run_id}, scratch files in {workdir})", flush=True)
    try:
        if not database_url.startswith("sqlite"):
            subprocess.run([feedgate, "db", "upgrade"], env=env, check=True, cwd=workdir)
        with upstream_log.open("wb") as log:
            upstream = subprocess.Popen(
                [sys.executable, "-m", "gateway.fake_upstream", "--host", "127.0.0.1", "--port", str(upstream_port)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(upstream_port, upstream, "the fake upstream", upstream_log)
        with gateway_log.open("wb") as log:
            gateway = subprocess.Popen(
                [feedgate, "serve", "--host", "127.0.0.1", "--port", str(gateway_port)],
                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(gateway_port, gateway, "the gateway", gateway_log)

        urls = {"direct": f"http://127.0.0.1:{upstream_port}", "gateway": f"http://127.0.0.1:{gateway_port}"}
        sanity_tag = f"bench-{run_id}-sanity"
        sanity_check(urls["direct"], sanity_tag)
        sanity = sanity_check(urls["gateway"], sanity_tag)
        expected: dict[str, int] = {sanity_tag: sanity}

        for concurrency in CONCURRENCY:
            for stream in (False, True):
                payload = stream_body if stream else body
                for target in ("direct", "gateway"):
                    name = f"{target} c{concurrency} {'stream' if stream else 'json'}"
                    tag = f"bench-{run_id}-{target}-c{concurrency}-{'stream' if stream else 'json'}"
                    url = urls[target] + PATH
                    print(f"  {name}: warm-up {args.warmup} s ...", end="", flush=True)
                    warm = to_run(target, concurrency, stream, tag + "-warmup", run_wrk(wrk, url, concurrency, args.warmup, payload, tag + "-warmup"))
                    results.warmups.append(warm)
                    if target == "gateway":
                        expected[warm.tag] = warm.sent
                        warm.stored, warm.drain_s = store.wait_for(warm.tag, warm.sent)
                    print(f" measuring {args.duration} s ...", end="", flush=True)
                    gateway_cpu, upstream_cpu = cpu_seconds(gateway.pid), cpu_seconds(upstream.pid)
                    run = to_run(target, concurrency, stream, tag, run_wrk(wrk, url, concurrency, args.duration, payload, tag))
                    if target == "gateway":
                        run.cpu_ms_per_request_run = round((cpu_seconds(gateway.pid) - gateway_cpu) * 1000 / run.sent, 4)
                        expected[tag] = run.sent
                        run.stored, run.drain_s = store.wait_for(tag, run.sent)
                        run.cpu_ms_per_request = round((cpu_seconds(gateway.pid) - gateway_cpu) * 1000 / run.sent, 4)
                    run.upstream_cpu_ms_per_request = round((cpu_seconds(upstream.pid) - upstream_cpu) * 1000 / run.sent, 4)
                    results.runs.append(run)
                    print(
                        f" {run.rps:,.0f} req/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
                        + (f", CPU {run.cpu_ms_per_request:.3f} ms/req, stored {run.stored}/{run.sent}" if target == "gateway" else "")
                        + (f", NON-2XX {run.non_2xx}" if run.non_2xx else "")
                        + (f", SOCKET ERRORS {run.socket_errors}" if run.socket_errors else ""),
                        flush=True,
                    )

        results.settings["gateway_rss_mb_at_end"] = round(rss_mb(gateway.pid), 1)
        results.machine["loadavg_1min_at_end"] = os.getloadavg()[0]
        counted_live = store.counts(f"bench-{run_id}-")
        # A clean shutdown flushes whatever the writer still holds; count again afterwards.
        stop(gateway)
        counted = store.counts(f"bench-{run_id}-")
        spool_lines = len(spool.read_bytes().splitlines()) if spool.exists() else 0
        sent_total = sum(expected.values())
        stored_total = sum(counted.get(tag, 0) for tag in expected)
        results.check = {
            "sent_total": sent_total,
            "completed_total": sum(r.requests for r in results.runs + results.warmups if r.target == "gateway") + sanity,
            "stored_total": stored_total,
            "stored_before_shutdown": sum(counted_live.get(tag, 0) for tag in expected),
            "sanity": sanity,
            "spool_lines": spool_lines,
            "per_tag": {tag: {"sent": n, "stored": counted.get(tag, 0)} for tag, n in expected.items()},
            "ok": all(counted.get(tag, 0) == n for tag, n in expected.items()),
        }
    finally:
        stop(gateway)
        stop(upstream, graceful=False)

    print()
    print(markdown(results))
    print()
    print(details(results))
    if not results.check["ok"]:
        for tag, numbers in results.check["per_tag"].items():
            if numbers["sent"] != numbers["stored"]:
                print(f"  {tag}: sent {numbers['sent']}, stored {numbers['stored']}")
    if args.json:
        payload = {
            "machine": results.machine,
            "settings": results.settings,
            "runs": [asdict(r) for r in results.runs],
            "warmups": [asdict(r) for r in results.warmups],
            "check": results.check,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nresults written to {args.json}")
    if args.database_url is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
