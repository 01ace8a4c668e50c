"""Under load and faults: steady mixed traffic through a real gateway, a PostgreSQL outage, SIGKILL, upstream faults.

Run: `.venv/bin/python benchmarks/load_faults.py [--quick] [--minutes 10] [--rate 100]
[--phases load,outage,sigkill,upstream] [--json results.json]`

What it starts (all on free local ports, all stopped at the end whatever happens):

- a private PostgreSQL 15 (`initdb` into a temporary folder, `pg_ctl`; as root it runs as the
  `postgres` user). The server on 5432 is never touched: this one is stopped and started on purpose;
- the fake upstream (`python -m gateway.demo.fake_upstream`: uvloop + httptools);
- `feedgate serve` (one process, logging on) against both, with `FEEDGATE_UPSTREAM_READ_TIMEOUT`
  at `--upstream-timeout` (2 s) so the timeout faults come quickly, and the embedding review rules
  off unless `--review-rules` (they load a per-app index of recent traffic after 5 minutes, which
  would dominate both the CPU and the memory figures of a 10-minute run).

The phases (`--phases`, in this order):

1. load: `--minutes` of open-loop traffic at `--rate` requests/s, half streaming and half not
   (aiohttp client; latency counted from each request's due time). At the end every answered
   request's interaction id (`x-feedgate-interaction-id`) must be in the database exactly once,
   and nothing else under the phase's tag. The gateway's RSS is sampled every few seconds; its
   growth after `--warmup` is reported (aim: under 10 %).
2. outage (inside the load run): PostgreSQL is stopped (`pg_ctl stop -m fast`) at `--outage-at`
   for `--outage-seconds` and started again. No request may fail; the writer spools to disk
   meanwhile (`/readyz` answers 200 "spooling") and replays once the database is back.
3. sigkill: PostgreSQL stopped, `--sigkill-seconds` of traffic, wait until the spool file holds
   every answered interaction, SIGKILL the gateway, start PostgreSQL, start the gateway again with
   the same spool: every spooled interaction must be stored, none twice, and the spool emptied.
4. upstream: `--upstream-seconds` of traffic at `--rate` where every `--fault-every`-th request
   meets an upstream fault (no answer within the read timeout, a stall mid-stream, a 503 / 500,
   a connection reset mid-stream or mid-body): each client must get the expected status (504, the
   upstream's 5xx, 502, or a 200 stream cut short), and each interaction must be stored with that
   status, its `partial` flag and its error.

Exit status 0 when every check passed, 1 otherwise. Caveat: the client, the fake upstream, the
gateway and PostgreSQL share the machine's cores, so latency includes their contention.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import uvloop
from load_phases import Context, Plan, load_phase, sigkill_phase, upstream_phase
from load_report import summary_text
from load_traffic import client_session
from load_watch import Gateway, Store, load_average, wait_until_storing
from pg_instance import PrivatePostgres
from proxy_runs import free_port, stop
from proxy_targets import start_fake_upstream

PHASES = ("load", "outage", "sigkill", "upstream")


def machine_facts() -> dict[str, Any]:
    """Cores, CPU model, Python and kernel: what the numbers were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1-minute load with a 20 s outage, short phases"
    )
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    parser.add_argument("--minutes", type=float, help="length of the load run (default 10; quick 1)")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second, open loop (default 100)")
    parser.add_argument("--outage-at", type=float, help="seconds into the load run (default: centred; quick 20)")
    parser.add_argument("--outage-seconds", type=float, help="database down this long (default 60; quick 20)")
    parser.add_argument(
        "--sigkill-seconds", type=float, help="traffic while the database is down (default 10; quick 5)"
    )
    parser.add_argument(
        "--upstream-seconds", type=float, help="length of the upstream-fault run (default 60; quick 20)"
    )
    parser.add_argument("--fault-every", type=int, default=5, help="every N-th request of that run is a fault (5)")
    parser.add_argument("--upstream-timeout", type=float, default=2.0, help="the gateway's upstream read timeout (2 s)")
    parser.add_argument("--warmup", type=float, help="RSS growth is measured after this (default 60 s; quick 10)")
    parser.add_argument("--review-rules", action="store_true", help="leave the embedding review rules on")
    parser.add_argument(
        "--heap-trim-interval",
        type=float,
        help="the gateway's FEEDGATE_HEAP_TRIM_INTERVAL (default: its own, 60 s; 0 turns trimming off, to compare)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs, database) afterwards")
    parser.add_argument("--json", type=Path, help="also write the full results here")
    args = parser.parse_args(argv)
    unknown = set(args.phases.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    load_s = (args.minutes if args.minutes is not None else (1 if quick else 10)) * 60
    outage_s = args.outage_seconds if args.outage_seconds is not None else (20 if quick else 60)
    outage_at = args.outage_at if args.outage_at is not None else (20 if quick else (load_s - outage_s) / 2)
    if outage_at + outage_s > load_s:
        sys.exit(f"the outage ({outage_at:g} s + {outage_s:g} s) must end within the load run ({load_s:g} s)")
    return Plan(
        rate=args.rate,
        load_s=load_s,
        outage_at_s=outage_at,
        outage_s=outage_s,
        sigkill_s=args.sigkill_seconds if args.sigkill_seconds is not None else (5 if quick else 10),
        upstream_s=args.upstream_seconds if args.upstream_seconds is not None else (20 if quick else 60),
        fault_every=max(2, args.fault_every),
        warmup_s=args.warmup if args.warmup is not None else (10 if quick else 60),
        rss_every_s=2.0 if quick else 5.0,
    )


def gateway_env(args: argparse.Namespace, database_url: str, upstream_port: int, spool: Path) -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FEEDGATE_")},
        "FEEDGATE_DATABASE_URL": database_url,
        "FEEDGATE_UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}/v1",
        "FEEDGATE_SPOOL_PATH": str(spool),
        "FEEDGATE_UPSTREAM_READ_TIMEOUT": str(args.upstream_timeout),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    if args.heap_trim_interval is not None:
        env["FEEDGATE_HEAP_TRIM_INTERVAL"] = f"{args.heap_trim_interval:g}"
    if not args.review_rules:
        env["FEEDGATE_REVIEW_SIMILAR_NEGATIVE_RULE"] = "false"
        env["FEEDGATE_REVIEW_ANOMALOUS_RULE"] = "false"
    return env


async def run_phases(
    plan: Plan, phases: list[str], run_id: str, pg: PrivatePostgres, gateway: Gateway, upstream_pid: int, spool: Path
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with client_session() as session:
        ctx = Context(run_id, pg, gateway, upstream_pid, Store(pg.dsn), spool, session)
        if "load" in phases or "outage" in phases:
            name = "load+outage" if "outage" in phases else "load"
            print(f"  {name}: {plan.load_s:g} s at {plan.rate:g} req/s ...", flush=True)
            results[name] = await load_phase(ctx, plan, with_outage="outage" in phases)
        if "sigkill" in phases:
            print(f"  sigkill: {plan.sigkill_s:g} s of traffic with the database down, then kill -9 ...", flush=True)
            results["sigkill"] = await sigkill_phase(ctx, plan)
        if "upstream" in phases:
            print(f"  upstream: {plan.upstream_s:g} s, every {plan.fault_every}th request a fault ...", flush=True)
            results["upstream"] = await upstream_phase(ctx, plan)
            results["upstream"]["readiness_after"] = await wait_until_storing(session, ctx.gateway.url)
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    plan = make_plan(args)
    phases = [p for p in PHASES if p in args.phases.split(",")]
    feedgate = shutil.which("feedgate", path=str(Path(sys.executable).parent)) or shutil.which("feedgate")
    if feedgate is None:
        sys.exit("the `feedgate` command is not installed in this environment (pip install -e .)")
    workdir = Path(tempfile.mkdtemp(prefix="feedgate-load-faults-"))
    run_id = uuid.uuid4().hex[:8]
    spool = workdir / "spool" / "feedgate.spool.jsonl"
    upstream_port, gateway_port = free_port(), free_port()
    pg = PrivatePostgres(free_port(), keep=args.keep)
    env = gateway_env(args, pg.url, upstream_port, spool)
    gateway = Gateway([feedgate, "serve", "--host", "127.0.0.1", "--port", str(gateway_port)], env, workdir,
                      workdir / "gateway.log", gateway_port)  # fmt: skip
    upstream = None
    report: dict[str, Any] = {
        "run_id": run_id,
        "machine": machine_facts(),
        "load_average_before": load_average(),
        "settings": {**plan.__dict__, "phases": phases, "quick": args.quick, "review_rules": args.review_rules,
                     "upstream_read_timeout_s": args.upstream_timeout, "private_postgres_port": pg.port},
    }  # fmt: skip
    print(f"# Feedgate under load and faults (run {run_id}; scratch files in {workdir})", flush=True)
    started = time.monotonic()
    try:
        pg.init()
        pg.start()
        subprocess.run([feedgate, "db", "upgrade"], env=env, check=True, cwd=workdir, capture_output=True)
        upstream = start_fake_upstream(upstream_port, workdir / "upstream.log")
        report["gateway_start_s"] = round(gateway.start(), 2)
        # uvloop: less of the client's own CPU per request, leaving more of the machine to the gateway.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            report["phases"] = runner.run(run_phases(plan, phases, run_id, pg, gateway, upstream.pid, spool))
        report["gateway_log"] = {
            "database unavailable (writer spooling)": gateway.log_count("database unavailable"),
            "spool replayed": gateway.log_count("replayed the spool"),
            # An upstream that breaks off mid-stream: the proxy raises to abort the client's connection,
            # and uvicorn logs that at ERROR with the traceback (beside the proxy's own warning).
            "uvicorn 'Exception in ASGI application'": gateway.log_count("Exception in ASGI application"),
            "ERROR lines": gateway.log_count(" ERROR "),
        }
    finally:
        gateway.stop()
        stop(upstream, graceful=False)
        pg.close()
    report["load_average_after"] = load_average()
    report["wall_s"] = round(time.monotonic() - started, 1)
    report["passed"] = all(all(p["checks"].values()) for p in report["phases"].values())
    print()
    print(summary_text(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nresults written to {args.json}")
    if args.keep:
        print(f"scratch files kept in {workdir} (gateway.log, upstream.log)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if report["passed"] else 1)


if __name__ == "__main__":
    main()
