"""Proxy overhead: latency and throughput directly against a fake upstream vs through Feedgate.

Run: `.venv/bin/python benchmarks/proxy_latency.py [--duration 10] [--json results.json]`
(`--database-url postgresql://...` to log into PostgreSQL instead of a temporary SQLite file;
the schema must be upgradable by `feedgate db upgrade`, which the script runs first).
Optional rows in the same run, same load: `--floor` (benchmarks/floor_proxy.py, the least a
Python proxy does), `--litellm` (LiteLLM's proxy from its own venv, `--litellm-venv`, created on
first use), `--all` (both), `--baseline REV` (the gateway as of a git revision). Looking inside
the gateway: `--loop-lag` (its event loop's lag and GC pauses per run) and `--py-spy` (a py-spy
profile of it during each c32 run); both cost the gateway some work, so its own rows move.

What it does, in one run on one machine:

1. Starts `python -m gateway.demo.fake_upstream` (uvloop + httptools, recording off) and
   `feedgate serve` pointed at it, with logging on (every chat call is stored in the database),
   plus the optional proxies, as subprocesses on free local ports; all are stopped at the end,
   whatever happens. The gateway starts last: its review rules look for busy apps 10 s after
   start and then every 5 minutes, and a busy app makes the gateway load its embedding model
   and embed the app's traffic in the background (the report says when that happened: the
   gateway's rows from then on carry that work and a much larger heap).
2. For each scenario, direct (wrk -> fake upstream) and each proxy (wrk -> proxy -> fake
   upstream), at concurrency 1 (`wrk -t1 -c1`) and 32 (`wrk -t2 -c32`), non-streaming and
   streaming: a warm-up wrk run (`--warmup` s, default 2) and then a measured one
   (`--duration` s, default 10) of `POST /v1/chat/completions` with a small realistic body
   (gpt-4o-mini, a system and a user message; the streaming body adds `"stream": true` and
   `stream_options.include_usage`). The targets of one scenario run back to back.
3. Reports p50/p99 latency and requests/s per scenario and target, the added p50/p99 (target
   minus direct, same scenario), and each proxy's CPU time per request: utime+stime from
   /proc/<pid>/stat (all its threads; for LiteLLM also its child processes) before the measured
   run and after the background writer has stored that run's rows (gateways), divided by the
   requests sent. The gateway's (and the upstream's) CPU thus includes the logging work, not
   only the proxying. With the floor, the aims against it: the gateway's CPU per request at c32
   over the floor's, its p50 at c1 minus the floor's, its p99 at c32 over the floor's.
4. Checks that every request that reached the gateway was stored: each run tags its requests
   with a distinct `x-feedgate-user` header and the script counts rows per tag in the
   `interactions` table and compares with the number of requests wrk wrote (counted in the Lua
   `request()` hook). wrk's completed-request count is lower by the requests still in flight
   when it stops (at most one per connection); those reached the gateway and are logged too.
   The floor and LiteLLM store nothing.

Caveats worth quoting with the numbers:

- Latency is wrk's: from writing the request to reading the whole response. For streams that
  is the time to the last SSE event ([DONE]), not to the first token; the fake upstream sends
  its events back to back, so this is the full proxying cost of a short stream.
- wrk is closed-loop (a connection sends its next request when the previous answer is in), so
  at c32 the latency is mostly queueing behind the slowest component, and requests/s is the
  capacity of the whole box, not of the gateway alone.
- wrk, the fake upstream and the proxy (one process, one event loop) share the same cores
  (2 on the reference machine), so through a proxy three processes compete for them where
  direct runs have two; the c32 throughput ratio understates what a proxy does on a core of
  its own. CPU per request is the better capacity figure: 1 / (CPU s per request) is the
  requests/s one fully used core of that proxy would sustain.
- Keep-alive connections throughout (wrk's default), both client->proxy and proxy->upstream.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from litellm_proxy import DEFAULT_VENV
from proxy_profile import find_py_spy, finish_py_spy, hot_frames, lag_window, start_py_spy
from proxy_report import aims, details, machine_facts, markdown
from proxy_runs import (
    CONCURRENCY,
    PATH,
    TARGETS,
    Results,
    Run,
    cpu_seconds,
    ensure_wrk,
    free_port,
    rss_mb,
    run_wrk,
    schedstat,
    stop,
    thread_shares,
    to_run,
    tree_cpu_seconds,
    wait_for_port,
)
from proxy_store import Store, sanity_check
from proxy_targets import start_baseline, start_fake_upstream, start_floor, start_litellm

ROOT = Path(__file__).resolve().parent.parent

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"},
]
BODY = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}


@dataclass
class Target:
    """Where wrk sends one row's requests, and how that row's CPU and stored rows are read."""

    name: str
    url: str
    cpu: Callable[[], float] | None = None  # the proxy's CPU seconds so far (None: direct)
    store: Store | None = None  # gateways: where their rows are counted
    pid: int | None = None  # the proxy's process, whose main thread runs its event loop


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
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
    parser.add_argument("--floor", action="store_true", help="add the floor row (benchmarks/floor_proxy.py)")
    parser.add_argument("--litellm", action="store_true", help="add LiteLLM's proxy (installed on first use)")
    parser.add_argument("--all", action="store_true", help="add both the floor and LiteLLM")
    parser.add_argument(
        "--litellm-venv", type=Path, default=DEFAULT_VENV, help=f"LiteLLM's own venv (default {DEFAULT_VENV})"
    )
    parser.add_argument("--loop-lag", action="store_true", help="sample the gateway's event-loop lag and GC pauses")
    parser.add_argument("--py-spy", action="store_true", help="profile the gateway with py-spy during its c32 runs")
    args = parser.parse_args(argv)
    args.floor = args.floor or args.all
    args.litellm = args.litellm or args.all
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    wrk = ensure_wrk()
    py_spy = find_py_spy() if args.py_spy else None
    workdir = Path(tempfile.mkdtemp(prefix="feedgate-bench-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    if database_url.startswith("sqlite://"):
        database_url = "sqlite+aiosqlite://" + database_url.split("://", 1)[1]
    spool = workdir / "bench.spool.jsonl"
    lag_file = workdir / "gateway-loop-lag.bin" if args.loop_lag else None
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
            "loop_lag": args.loop_lag,
            "py_spy": args.py_spy,
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
    gateway_env = {**env, "FEEDGATE_LOOP_LAG_FILE": str(lag_file)} if lag_file else env
    processes: dict[str, subprocess.Popen[bytes]] = {}
    store = Store(database_url)
    print(f"# Feedgate proxy latency benchmark (run {run_id}, scratch files in {workdir})", flush=True)
    try:
        if not database_url.startswith("sqlite"):
            subprocess.run([feedgate, "db", "upgrade"], env=env, check=True, cwd=workdir)
        processes["upstream"] = upstream = start_fake_upstream(upstream_port, upstream_log)

        upstream_root = f"http://127.0.0.1:{upstream_port}"
        targets = {"direct": Target("direct", upstream_root)}
        if args.floor:
            processes["floor"], port = start_floor(upstream_root, workdir)
            floor_pid = processes["floor"].pid
            targets["floor"] = Target(
                "floor", f"http://127.0.0.1:{port}", lambda: cpu_seconds(floor_pid), pid=floor_pid
            )
        if args.litellm:
            print(f"  starting LiteLLM's proxy from {args.litellm_venv} ...", flush=True)
            processes["litellm"], port, version = start_litellm(args.litellm_venv, upstream_root + "/v1", workdir, env)
            litellm_pid = processes["litellm"].pid
            targets["litellm"] = Target(
                "litellm", f"http://127.0.0.1:{port}", lambda: tree_cpu_seconds(litellm_pid), pid=litellm_pid
            )
            results.settings["litellm_version"] = version
        if args.baseline:
            processes["baseline"], port, baseline_url = start_baseline(args.baseline, workdir, env)
            baseline_pid = processes["baseline"].pid
            targets["baseline"] = Target(
                "baseline",
                f"http://127.0.0.1:{port}",
                lambda: cpu_seconds(baseline_pid),
                Store(baseline_url),
                baseline_pid,
            )
        # The gateway starts last, so that its age (the review rules' first look for busy apps comes
        # 10 s after start, the next 5 minutes later) is the same whichever other rows run.
        with gateway_log.open("wb") as log:
            processes["gateway"] = gateway = subprocess.Popen(
                [feedgate, "serve", "--host", "127.0.0.1", "--port", str(gateway_port)],
                cwd=workdir, env=gateway_env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(gateway_port, gateway, "the gateway", gateway_log)
        targets["gateway"] = Target(
            "gateway", f"http://127.0.0.1:{gateway_port}", lambda: cpu_seconds(gateway.pid), store, gateway.pid
        )
        order = [targets[name] for name in TARGETS if name in targets]
        sanity_tag = f"bench-{run_id}-sanity"
        for target in order:
            sanity = sanity_check(target.url, sanity_tag, [body, stream_body])
        expected: dict[str, int] = {sanity_tag: sanity}

        model_loaded_in = "before the first run" if loaded_embedding_model(gateway.pid) else ""
        for concurrency in CONCURRENCY:
            for stream in (False, True):
                payload = stream_body if stream else body
                for target in order:
                    kind = "stream" if stream else "json"
                    tag = f"bench-{run_id}-{target.name}-c{concurrency}-{kind}"
                    print(f"  {target.name} c{concurrency} {kind}: warm-up {args.warmup} s ...", end="", flush=True)
                    warm = measure(wrk, target, concurrency, stream, payload, tag + "-warmup", args.warmup)
                    results.warmups.append(warm)
                    if target.name == "gateway":
                        expected[warm.tag] = warm.sent
                    print(f" measuring {args.duration} s ...", end="", flush=True)
                    profile = None
                    if py_spy and target.name == "gateway" and concurrency == 32:
                        profile = workdir / f"py-spy-c32-{kind}.txt"
                        spying = start_py_spy(py_spy, gateway.pid, args.duration, profile)
                    started, upstream_cpu = time.monotonic(), cpu_seconds(upstream.pid)
                    run = measure(wrk, target, concurrency, stream, payload, tag, args.duration)
                    ended = started + run.duration_s
                    run.upstream_cpu_ms_per_request = round(
                        (cpu_seconds(upstream.pid) - upstream_cpu) * 1000 / run.sent, 4
                    )
                    if target.name == "gateway":
                        expected[tag] = run.sent
                        if lag_file is not None:
                            run.loop_lag = lag_window(lag_file, started, ended)
                    if profile is not None:
                        finish_py_spy(spying)
                        if profile.exists():
                            results.profiles[f"gateway c{concurrency} {kind}"] = hot_frames(profile, args.duration)
                    results.runs.append(run)
                    print(progress(run), flush=True)
                    if target.name == "gateway" and not model_loaded_in and loaded_embedding_model(gateway.pid):
                        model_loaded_in = f"by the end of its c{concurrency} {kind} run"
                        print("  NOTE: the gateway has loaded its embedding model (anomalous review rule)", flush=True)

        results.settings["gateway_rss_mb_at_end"] = round(rss_mb(gateway.pid), 1)
        results.settings["gateway_loaded_embedding_model"] = model_loaded_in or None
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
        for name, process in processes.items():
            stop(process, graceful=name != "upstream")

    report(results, args.json)
    if args.py_spy:
        print(f"\npy-spy's raw profiles (collapsed stacks) are kept in {workdir}")
    elif args.database_url is None:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(wrk: str, target: Target, concurrency: int, stream: bool, payload: bytes, tag: str, seconds: int) -> Run:
    """One wrk run against `target`; for a proxy, its CPU per request (after its writer stored the run's rows)."""
    cpu_before = target.cpu() if target.cpu else 0.0
    thread_before = schedstat(target.pid) if target.pid else None
    started = time.monotonic()
    raw = run_wrk(wrk, target.url + PATH, concurrency, seconds, payload, tag)
    run = to_run(target.name, concurrency, stream, tag, raw)
    if target.pid and thread_before:
        run.loop_thread = thread_shares(thread_before, schedstat(target.pid), time.monotonic() - started)
    if target.cpu is None:
        return run
    run.cpu_ms_per_request_run = round((target.cpu() - cpu_before) * 1000 / run.sent, 4)
    if target.store is not None:
        run.stored, run.drain_s = target.store.wait_for(tag, run.sent)
    run.cpu_ms_per_request = round((target.cpu() - cpu_before) * 1000 / run.sent, 4)
    return run


def loaded_embedding_model(pid: int) -> bool:
    """Whether the gateway has started loading its embedding model (torch's library is mapped into it).

    The anomalous review rule does once it finds the benchmark's app busy (its look for busy apps
    comes 10 s after start, then every 5 minutes); the runs after that carry the embedding work
    and a larger heap for the garbage collector to walk.
    """
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text(errors="replace")
    except OSError:
        return False


def progress(run: Run) -> str:
    """The line printed after a measured run."""
    line = f" {run.rps:,.0f} req/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
    if run.cpu_ms_per_request is not None:
        line += f", CPU {run.cpu_ms_per_request:.3f} ms/req"
    if run.stored is not None:
        line += f", stored {run.stored}/{run.sent}"
    if run.loop_lag:
        lag = run.loop_lag
        line += (
            f", loop lag p50/p99/max {lag['p50_ms']:.2f}/{lag['p99_ms']:.2f}/{lag['max_ms']:.2f} ms"
            f", GC {lag['gc_count']} ({lag['gc_gen2']} gen2, {lag['gc_total_ms']:.1f} ms, max {lag['gc_max_ms']:.1f})"
        )
    if run.non_2xx:
        line += f", NON-2XX {run.non_2xx}"
    if run.socket_errors:
        line += f", SOCKET ERRORS {run.socket_errors}"
    return line


def report(results: Results, json_path: Path | None) -> None:
    """Print the tables (and mismatches), and write the JSON file if asked."""
    print()
    print(markdown(results))
    print()
    print(details(results))
    if not results.check["ok"]:
        for tag, numbers in results.check["per_tag"].items():
            if numbers["sent"] != numbers["stored"]:
                print(f"  {tag}: sent {numbers['sent']}, stored {numbers['stored']}")
    if json_path:
        payload = {
            "machine": results.machine,
            "settings": results.settings,
            "runs": [asdict(r) for r in results.runs],
            "warmups": [asdict(r) for r in results.warmups],
            "check": results.check,
            "aims": aims(results),
            "profiles": results.profiles,
        }
        json_path.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nresults written to {json_path}")


if __name__ == "__main__":
    main()
