"""What metrics and interaction-id logging add to the proxy's hot path, per call.

Run: `.venv/bin/python benchmarks/observability_overhead.py --baseline-dir DIR [--calls 20000] [--rounds 3]`
(DIR: a copy of the tree without the change, e.g. made with `git archive <rev> | tar -x -C DIR`;
`--baseline REV` exports a git revision instead.)

Two measurements, each in fresh subprocesses:

1. Micro: the recording API alone — `RequestMetrics.record` (a tally per (route, status,
   upstream), moved into the counter and two histograms about once a second; the flushes are in
   the measured time) and binding plus resetting the interaction id's context variable — with
   prometheus_client keeping values in memory (one process) and in files (`FEEDGATE_METRICS_DIR`,
   several workers). CPU time per call.
2. Whole: `ProxyApp` per call as `benchmarks/proxy_overhead.py` drives it (in-memory upstream, real
   resolver, router and token signing), the baseline tree against this tree with metrics in memory
   and in files, alternating processes round by round so drift on the machine hits all alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import proxy_overhead  # noqa: E402 - the sibling benchmark, found through the path set just above

MICRO = r"""
import json, sys, time
from gateway.observability.context import INTERACTION_ID
from gateway.observability.request_metrics import request_metrics

calls = int(sys.argv[1])
recorder = request_metrics()
for _ in range(2000):
    recorder.record("chat.completions", 200, "default", 0.12, 0.0003)
started = time.process_time()
for _ in range(calls):
    recorder.record("chat.completions", 200, "default", 0.12, 0.0003)
record_us = (time.process_time() - started) / calls * 1e6
started = time.process_time()
for _ in range(calls):
    bound = INTERACTION_ID.set("0190b7d6-6f35-7c2e-9a1b-3f4e5d6c7b8a")
    INTERACTION_ID.reset(bound)
context_us = (time.process_time() - started) / calls * 1e6
print(json.dumps({"record_us": record_us, "context_us": context_us}))
"""


def micro(calls: int, metrics_dir: Path | None) -> dict[str, float]:
    """CPU µs per `record` and per context bind+reset, in a fresh process of this tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if metrics_dir is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    done = subprocess.run([sys.executable, "-c", MICRO, str(calls)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the micro-benchmark failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def whole(source: Path, calls: int, scenario: str, metrics_dir: Path | None) -> float:
    """CPU µs per ProxyApp call of the tree at `source`, metrics in memory or in `metrics_dir`."""
    previous = os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if metrics_dir is not None:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        return proxy_overhead.measure(source, calls, scenario)
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if previous is not None:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = previous


def spread(values: list[float]) -> str:
    """`median (min–max)` of a list of µs values."""
    return f"{statistics.median(values):.2f} µs ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-dir", type=Path, help="a copy of the tree without the change")
    parser.add_argument("--baseline", default="HEAD", help="git revision to export when no --baseline-dir")
    parser.add_argument("--calls", type=int, default=20_000, help="measured ProxyApp calls per process")
    parser.add_argument("--micro-calls", type=int, default=200_000, help="measured record() calls per process")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="feedgate-obs-bench-") as scratch:
        baseline = args.baseline_dir
        if baseline is None:
            baseline = Path(scratch) / "baseline"
            baseline.mkdir()
            git = ["git", "-C", str(ROOT), "archive", args.baseline]
            archive = subprocess.run(git, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        files = Path(scratch) / "metrics"
        files.mkdir()

        micro_results: dict[str, list[dict[str, float]]] = {"memory": [], "files": []}
        whole_results: dict[tuple[str, str], list[float]] = {}
        variants = {"baseline": (baseline, None), "metrics in memory": (ROOT, None), "metrics in files": (ROOT, files)}
        for round_number in range(1, args.rounds + 1):
            for mode, directory in (("memory", None), ("files", files)):
                micro_results[mode].append(micro(args.micro_calls, directory))
            for scenario in ("json", "stream"):
                for name, (source, directory) in variants.items():
                    value = whole(source, args.calls, scenario, directory)
                    whole_results.setdefault((name, scenario), []).append(value)
                    print(f"round {round_number}: {name}, {scenario}: {value:.1f} µs/call", flush=True)

    processes = f"median of {args.rounds} processes, {args.micro_calls:,} calls each"
    print(f"\nRecording API alone, CPU per call ({processes}):\n")
    print("| Values kept | `RequestMetrics.record` | interaction id bind + reset |")
    print("|---|---|---|")
    for mode in ("memory", "files"):
        records = [result["record_us"] for result in micro_results[mode]]
        contexts = [result["context_us"] for result in micro_results[mode]]
        print(f"| {mode} | {spread(records)} | {spread(contexts)} |")

    print(f"\nProxyApp per call, CPU (median of {args.rounds} rounds, {args.calls:,} calls each; min–max):\n")
    print("| Scenario | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    for scenario in ("json", "stream"):
        cells = []
        base = statistics.median(whole_results[("baseline", scenario)])
        for name in variants:
            values = whole_results[(name, scenario)]
            change = "" if name == "baseline" else f", {statistics.median(values) - base:+.1f} µs"
            cells.append(f"{statistics.median(values):.1f} µs ({min(values):.1f}–{max(values):.1f}){change}")
        print(f"| {scenario} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
