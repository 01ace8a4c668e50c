"""One proxy scenario, several gateway revisions, in alternating rounds: is a difference real?

Run: `.venv/bin/python benchmarks/proxy_rounds.py --revisions 7c35b00,tree [--concurrency 1] [--stream]
[--rounds 8] [--duration 5]` (`tree` is this working tree, `floor` the floor proxy of
benchmarks/floor_proxy.py, which stores nothing; any other name is a git revision).

benchmarks/proxy_latency.py runs each target once per scenario, back to back, so a host that
slows down between two targets' runs reads as a difference between them; on this shared machine
that moved one row by 13-21 % in two runs (stop 21: c1 streaming, 7c35b00 against the tree).
Here every revision's gateway runs at once (each logging into its own SQLite file, behind one
fake upstream), and each round measures every revision in turn, the order reversed every other
round, so a slow spell of the host falls on all of them. Per round and revision: wrk's p50 and
the gateway's CPU per request (utime + stime of all its threads from /proc, from before the
round until its writer has stored the round's rows, over the requests wrk sent; the floor's CPU
from before the round to its end). The summary
gives each revision's median and minimum over the rounds, and the spread between rounds, which
is the noise any single-run difference must beat. Review rules are off, as in docs/speed.md's
proxy runs (they would embed traffic in the background after a while).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from proxy_latency import BODY, STREAM_BODY
from proxy_runs import PATH, cpu_seconds, ensure_wrk, free_port, run_wrk, stop
from proxy_store import Store
from proxy_targets import ROOT, start_baseline, start_fake_upstream, start_floor, start_gateway_source


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--revisions",
        default="HEAD,tree",
        help="comma-separated git revisions; `tree` is this working tree, `floor` the floor proxy",
    )
    parser.add_argument("--concurrency", type=int, choices=(1, 32), default=1, help="wrk connections (default 1)")
    parser.add_argument("--stream", action="store_true", help="streaming chat calls (default: non-streaming)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds; each measures every revision (default 8)")
    parser.add_argument("--duration", type=int, default=5, help="measured seconds per revision and round (default 5)")
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    revisions = [r.strip() for r in args.revisions.split(",") if r.strip()]
    if len(set(revisions)) != len(revisions) or not revisions:
        sys.exit("--revisions: name each revision once, e.g. 7c35b00,tree")
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="feedgate-rounds-"))
    run_id = uuid.uuid4().hex[:8]
    upstream_port = free_port()
    env = {
        **os.environ,
        "FEEDGATE_UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}/v1",
        "FEEDGATE_REVIEW_ANOMALOUS_RULE": "false",
        "FEEDGATE_REVIEW_SIMILAR_NEGATIVE_RULE": "false",
    }
    env.pop("FEEDGATE_KEY_MODE", None)  # pass-through keys: wrk's Authorization is forwarded as is
    payload = json.dumps(STREAM_BODY if args.stream else BODY, separators=(",", ":")).encode()
    scenario = f"c{args.concurrency} {'stream' if args.stream else 'non-stream'}"
    print(f"# Alternating rounds: {scenario}, {args.rounds} x {args.duration} s per revision (scratch {workdir})")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["upstream"] = start_fake_upstream(upstream_port, workdir / "upstream.log")
        urls: dict[str, str] = {}
        stores: dict[str, Store] = {}
        for index, revision in enumerate(revisions):
            name = f"rev{index}"
            if revision == "floor":
                processes[revision], port = start_floor(f"http://127.0.0.1:{upstream_port}", workdir)
                urls[revision] = f"http://127.0.0.1:{port}{PATH}"
                continue
            if revision == "tree":
                process, port, database_url = start_gateway_source(ROOT, workdir, env, name)
            else:
                process, port, database_url = start_baseline(revision, workdir, env, name)
            processes[revision] = process
            urls[revision] = f"http://127.0.0.1:{port}{PATH}"
            stores[revision] = Store(database_url)
        for revision in revisions:
            run_wrk(wrk, urls[revision], args.concurrency, 2, payload, f"warm-{run_id}")
        rounds: dict[str, list[tuple[float, float]]] = {r: [] for r in revisions}
        for number in range(args.rounds):
            order = revisions if number % 2 == 0 else revisions[::-1]
            for revision in order:
                pid = processes[revision].pid
                tag = f"rounds-{run_id}-{number}"
                before = cpu_seconds(pid)
                raw = run_wrk(wrk, urls[revision], args.concurrency, args.duration, payload, tag)
                if revision in stores:
                    stored, _ = stores[revision].wait_for(tag, raw["sent"])
                    if stored < raw["sent"]:
                        sys.exit(f"{revision}: {stored} of {raw['sent']} requests stored in round {number}")
                cpu_ms = (cpu_seconds(pid) - before) * 1000 / raw["sent"]
                rounds[revision].append((raw["p50_us"] / 1000, cpu_ms))
            print(
                f"round {number + 1}: "
                + ", ".join(f"{r} p50 {rounds[r][-1][0]:.3f} ms, CPU {rounds[r][-1][1]:.3f} ms" for r in revisions),
                flush=True,
            )
        print()
        print(markdown(scenario, rounds))
        if args.json:
            args.json.write_text(json.dumps({"scenario": scenario, "rounds": rounds}, indent=2))
    finally:
        for process in processes.values():
            stop(process)


def markdown(scenario: str, rounds: dict[str, list[tuple[float, float]]]) -> str:
    """Each revision's median, minimum and spread of p50 and CPU per request over the rounds."""
    lines = [
        f"| Revision ({scenario}) | p50 median / min (ms) | CPU per request median / min (ms) | CPU spread over rounds |",
        "|---|---|---|---|",
    ]
    for revision, figures in rounds.items():
        p50s = [p50 for p50, _ in figures]
        cpus = [cpu for _, cpu in figures]
        spread = f"{min(cpus):.3f}-{max(cpus):.3f}"
        lines.append(
            f"| {revision} | {statistics.median(p50s):.3f} / {min(p50s):.3f} "
            f"| {statistics.median(cpus):.3f} / {min(cpus):.3f} | {spread} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
