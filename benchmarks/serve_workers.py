"""Throughput of `feedgate serve --workers N` against one PostgreSQL database, for a few N, in one run.

Run: `.venv/bin/python benchmarks/serve_workers.py [--workers 1 2] [--duration 10] [--database-url URL]`

What it does:

1. Creates a fresh PostgreSQL database on `--server` (default: the test server, 127.0.0.1:5432),
   migrates it, and starts the fake upstream (`python -m gateway.demo.fake_upstream`, uvloop,
   recording off) on a free port.
2. For each N in `--workers`: starts `feedgate serve --workers N` on a free port, makes one call to
   check it answers, runs wrk (`-t2 -c32`, keep-alive, a small non-streaming chat body) for
   `--warmup` seconds and then `--duration` seconds, waits until the measured run's rows are
   stored (each run tags its requests with its own `x-feedgate-user`), and stops the server.
3. Prints requests/s, p50/p99 latency and stored/sent per N; drops the database at the end.

Caveat to quote with the numbers: wrk, the upstream, PostgreSQL and the gateway processes share the
machine's cores (2 on the reference machine), so the gain from a second worker is bounded by what
the other processes leave over; on a machine with more cores than processes it is larger.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from proxy_latency import BODY, Store
from proxy_runs import PATH, ensure_wrk, free_port, run_wrk, stop, to_run, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
FEEDGATE = [sys.executable, "-m", "gateway.cli"]
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


async def _admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def wait_for_startups(log: Path, workers: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait until every worker has finished its start-up (the parent listens before they do)."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("Application startup complete") < workers:
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"serve --workers {workers} did not start; its log:\n{log.read_text()}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (a database on it)")
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    name = f"feedgate_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(args.server, f'CREATE DATABASE "{name}"'))
    database_url = "postgresql+asyncpg://" + args.server.split("://", 1)[1].rsplit("/", 1)[0] + f"/{name}"
    workdir = Path(tempfile.mkdtemp(prefix="feedgate-workers-bench-"))
    upstream = None
    results = []
    try:
        env = {**os.environ, "FEEDGATE_DATABASE_URL": database_url}
        subprocess.run([*FEEDGATE, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        upstream_port = free_port()
        upstream_log = workdir / "upstream.log"
        with upstream_log.open("wb") as log:
            upstream = subprocess.Popen(
                [sys.executable, "-m", "gateway.demo.fake_upstream", "--port", str(upstream_port)],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
        wait_for_port(upstream_port, upstream, "fake upstream", upstream_log)
        env.update(
            FEEDGATE_UPSTREAM_URL=f"http://127.0.0.1:{upstream_port}/v1",
            FEEDGATE_SPOOL_PATH=str(workdir / "spool.jsonl"),
            FEEDGATE_LOG_FORMAT="text",
        )
        store = Store(database_url)
        body = json.dumps(BODY).encode()
        for workers in args.workers:
            port = free_port()
            log_path = workdir / f"serve-{workers}.log"
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    [*FEEDGATE, "serve", "--port", str(port), "--workers", str(workers)],
                    env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
                )  # fmt: skip
            try:
                wait_for_port(port, server, f"serve --workers {workers}", log_path, timeout=120)
                wait_for_startups(log_path, workers, server)
                url = f"http://127.0.0.1:{port}{PATH}"
                run_wrk(wrk, url, 32, args.warmup, body, f"warmup-{workers}-{uuid.uuid4().hex[:6]}")
                tag = f"workers-{workers}-{uuid.uuid4().hex[:6]}"
                run = to_run("gateway", 32, False, tag, run_wrk(wrk, url, 32, args.duration, body, tag))
                stored, _ = store.wait_for(tag, run.sent)
                results.append((workers, run, stored))
                print(
                    f"workers={workers}: {run.rps:,.0f} req/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms, "
                    f"stored {stored} of {run.sent} sent",
                    flush=True,
                )
            finally:
                stop(server)
    finally:
        stop(upstream, graceful=False)
        asyncio.run(_admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print("\n| workers | req/s | p50 (ms) | p99 (ms) | stored / sent |\n|---|---|---|---|---|")
    for workers, run, stored in results:
        print(f"| {workers} | {run.rps:,.0f} | {run.p50_ms:.2f} | {run.p99_ms:.2f} | {stored:,} / {run.sent:,} |")


if __name__ == "__main__":
    main()
