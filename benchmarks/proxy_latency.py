"""Proxy overhead: latency and throughput directly against a fake upstream vs through Feedgate.

Run: `.venv/bin/python benchmarks/proxy_latency.py [--duration 10] [--json results.json]`
(`--database-url postgresql://...` to log into PostgreSQL instead of a temporary SQLite file;
the schema must be upgradable by `feedgate db upgrade`, which the script runs first).

What it does, in one run on one machine:

1. Starts `python -m gateway.demo.fake_upstream` (uvloop + httptools, recording off) and
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
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path

from proxy_report import details, machine_facts, markdown
from proxy_runs import (
    CONCURRENCY,
    PATH,
    Results,
    cpu_seconds,
    ensure_wrk,
    free_port,
    rss_mb,
    run_wrk,
    stop,
    to_run,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"},
]
BODY = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}


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
            return dict(rows)
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


# --- main ------------------------------------------------------------------------------------


def sanity_check(url: str, tag: str) -> int:
    """One JSON and one streaming call through `url`; returns the number of requests made."""
    for body in (BODY, STREAM_BODY):
        request = urllib.request.Request(
            url + PATH,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer sk-feedgate-bench",
                "x-feedgate-user": tag,
            },
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
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also run the gateway as of this git revision (e.g. HEAD or main), beside this tree's, in the same run",
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
            "baseline": args.baseline,
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
    upstream = gateway = baseline = None
    store = Store(database_url)
    baseline_store = None
    targets = ["direct", "gateway"]
    print(f"# Feedgate proxy latency benchmark (run {run_id}, scratch files in {workdir})", flush=True)
    try:
        if not database_url.startswith("sqlite"):
            subprocess.run([feedgate, "db", "upgrade"], env=env, check=True, cwd=workdir)
        with upstream_log.open("wb") as log:
            upstream = subprocess.Popen(
                [sys.executable, "-m", "gateway.demo.fake_upstream", "--host", "127.0.0.1", "--port", str(upstream_port)],
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
        pids = {"gateway": gateway.pid}
        if args.baseline:
            baseline, baseline_port, baseline_store = start_baseline(args.baseline, workdir, env)
            urls["baseline"] = f"http://127.0.0.1:{baseline_port}"
            pids["baseline"] = baseline.pid
            targets = ["direct", "baseline", "gateway"]
        sanity_tag = f"bench-{run_id}-sanity"
        sanity_check(urls["direct"], sanity_tag)
        sanity = sanity_check(urls["gateway"], sanity_tag)
        expected: dict[str, int] = {sanity_tag: sanity}

        for concurrency in CONCURRENCY:
            for stream in (False, True):
                payload = stream_body if stream else body
                for target in targets:
                    name = f"{target} c{concurrency} {'stream' if stream else 'json'}"
                    tag = f"bench-{run_id}-{target}-c{concurrency}-{'stream' if stream else 'json'}"
                    url = urls[target] + PATH
                    print(f"  {name}: warm-up {args.warmup} s ...", end="", flush=True)
                    warm = to_run(
                        target,
                        concurrency,
                        stream,
                        tag + "-warmup",
                        run_wrk(wrk, url, concurrency, args.warmup, payload, tag + "-warmup"),
                    )
                    results.warmups.append(warm)
                    proxied = target in pids
                    target_store = baseline_store if target == "baseline" else store
                    if target == "gateway":
                        expected[warm.tag] = warm.sent
                    if proxied:
                        warm.stored, warm.drain_s = target_store.wait_for(warm.tag, warm.sent)  # type: ignore[union-attr]
                    print(f" measuring {args.duration} s ...", end="", flush=True)
                    proxy_pid = pids.get(target, gateway.pid)
                    gateway_cpu, upstream_cpu = cpu_seconds(proxy_pid), cpu_seconds(upstream.pid)
                    run = to_run(
                        target, concurrency, stream, tag, run_wrk(wrk, url, concurrency, args.duration, payload, tag)
                    )
                    if proxied:
                        run.cpu_ms_per_request_run = round((cpu_seconds(proxy_pid) - gateway_cpu) * 1000 / run.sent, 4)
                        if target == "gateway":
                            expected[tag] = run.sent
                        run.stored, run.drain_s = target_store.wait_for(tag, run.sent)  # type: ignore[union-attr]
                        run.cpu_ms_per_request = round((cpu_seconds(proxy_pid) - gateway_cpu) * 1000 / run.sent, 4)
                    run.upstream_cpu_ms_per_request = round(
                        (cpu_seconds(upstream.pid) - upstream_cpu) * 1000 / run.sent, 4
                    )
                    results.runs.append(run)
                    print(
                        f" {run.rps:,.0f} req/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
                        + (
                            f", CPU {run.cpu_ms_per_request:.3f} ms/req, stored {run.stored}/{run.sent}"
                            if proxied
                            else ""
                        )
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
            "completed_total": sum(r.requests for r in results.runs + results.warmups if r.target == "gateway")
            + sanity,
            "stored_total": stored_total,
            "stored_before_shutdown": sum(counted_live.get(tag, 0) for tag in expected),
            "sanity": sanity,
            "spool_lines": spool_lines,
            "per_tag": {tag: {"sent": n, "stored": counted.get(tag, 0)} for tag, n in expected.items()},
            "ok": all(counted.get(tag, 0) == n for tag, n in expected.items()),
        }
    finally:
        stop(gateway)
        stop(baseline)
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


def start_baseline(revision: str, workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, Store]:
    """The gateway as of `revision` (exported from git), logging into its own SQLite file, on a free port.

    It runs in this environment with the revision's source first on PYTHONPATH, so both
    gateways share every installed dependency and differ only in Feedgate's own code.
    """
    source = workdir / "baseline-src"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    database_url = f"sqlite+aiosqlite:///{workdir / 'baseline.db'}"
    port = free_port()
    baseline_env = {
        **env,
        "PYTHONPATH": str(source),
        "FEEDGATE_DATABASE_URL": database_url,
        "FEEDGATE_SPOOL_PATH": str(workdir / "baseline.spool.jsonl"),
    }
    log_path = workdir / "baseline.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=baseline_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for_port(port, process, f"the baseline gateway ({revision})", log_path)
    return process, port, Store(database_url)


if __name__ == "__main__":
    main()
