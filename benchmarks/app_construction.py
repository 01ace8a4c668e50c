"""What `gateway.app.create_app` costs: wall and CPU time of building the app, K times in one process.

Every test's `gateway` fixture, every `feedgate serve --workers N` process and every CLI command that
builds the app pays this; the lifespan (opening the database, the writer) is not part of it.
Since stop 50 the Litestar API inside is built once per process and shared (`gateway.app.shared_api`): the
untimed first build below pays it, and the timed builds measure what each further gateway costs; a tree before
that change builds the whole API every time.

    .venv/bin/python benchmarks/app_construction.py                      # this tree, 20 builds after a warm-up
    .venv/bin/python benchmarks/app_construction.py --builds 50 --profile # and a cProfile summary of those builds
    .venv/bin/python benchmarks/app_construction.py --trees A B --rounds 3
        # each tree in its own child process (its code on PYTHONPATH), A B A B A B: the trees' rounds
        # interleave, so a machine that gets busier mid-run weighs on both alike

Each process builds one app first (imports, first-time caches) and does not time it; then `--builds` timed
builds, each app dropped after its build as a test drops its own. Printed: the median, the mean, the lowest
and the highest of the builds' wall and CPU milliseconds (CPU: this process's, `time.process_time`, which a
loaded machine inflates less than wall time). An app is a web of reference cycles, so only the collector
frees it: every few builds one pays for a full collection (the highest), which the median leaves out and the
mean spreads over all.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve()


@dataclass(frozen=True, slots=True)
class Spread:
    """The median, mean, lowest and highest of some milliseconds."""

    median: float
    mean: float
    low: float
    high: float

    @staticmethod
    def of(values: list[float]) -> Spread:
        """The spread of `values` (at least one)."""
        return Spread(statistics.median(values), statistics.fmean(values), min(values), max(values))

    def __str__(self) -> str:
        return f"{self.median:6.1f} mean {self.mean:6.1f} ({self.low:.1f}-{self.high:.1f})"


def build_times(builds: int, profile: bool) -> tuple[list[float], list[float], str]:
    """Build the app once untimed, then `builds` times timed: the wall and CPU milliseconds of each, and a profile."""
    from gateway.app import create_app
    from gateway.config import Settings

    with tempfile.TemporaryDirectory() as directory:
        # Nothing is opened while building: the database and spool are only named.
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{directory}/feedgate.db",
            upstream_url="http://127.0.0.1:9",
            admin_token="benchmark-admin-token-0123456789",
            spool_path=Path(directory) / "spool.jsonl",
        )
        create_app(settings, environ={})
        walls: list[float] = []
        cpus: list[float] = []
        profiler = cProfile.Profile() if profile else None
        gc.collect()
        for _ in range(builds):
            if profiler is not None:
                profiler.enable()
            wall, cpu = time.perf_counter(), time.process_time()
            create_app(settings, environ={})
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if profiler is not None:
                profiler.disable()
    summary = ""
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        summary = out.getvalue()
    return walls, cpus, summary


def run_tree(tree: Path, builds: int) -> tuple[list[float], list[float]]:
    """`build_times` in a child process with `tree`'s code: its wall and CPU milliseconds."""
    environ = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--builds", str(builds), "--json"],
        cwd=tree,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return measured["wall_ms"], measured["cpu_ms"]


def compare(trees: list[Path], rounds: int, builds: int) -> None:
    """Each tree `rounds` times, interleaved; one line per round and tree, then each tree's builds pooled."""
    pooled: dict[Path, tuple[list[float], list[float]]] = {tree: ([], []) for tree in trees}
    print(f"{builds} builds per round after one warm-up; wall ms, then CPU ms: median, mean (lowest-highest)")
    for number in range(1, rounds + 1):
        for tree in trees:
            walls, cpus = run_tree(tree, builds)
            pooled[tree][0].extend(walls)
            pooled[tree][1].extend(cpus)
            print(f"round {number}  {tree}:  wall {Spread.of(walls)}  cpu {Spread.of(cpus)}", flush=True)
    print("pooled:")
    for tree, (walls, cpus) in pooled.items():
        print(f"  {tree}:  wall {Spread.of(walls)}  cpu {Spread.of(cpus)}  ({len(walls)} builds)")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builds", type=int, default=20, help="timed builds per process (default 20)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary of the timed builds")
    parser.add_argument("--trees", type=Path, nargs="+", help="source trees to compare, each in its own process")
    parser.add_argument("--rounds", type=int, default=3, help="with --trees: processes per tree (default 3)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # a child's answer to --trees
    arguments = parser.parse_args(argv)
    if arguments.trees:
        compare([tree.resolve() for tree in arguments.trees], arguments.rounds, arguments.builds)
        return
    walls, cpus, summary = build_times(arguments.builds, arguments.profile)
    if arguments.json:
        print(json.dumps({"wall_ms": walls, "cpu_ms": cpus}))
        return
    print(f"{arguments.builds} builds after one warm-up: wall ms {Spread.of(walls)}, CPU ms {Spread.of(cpus)}")
    if summary:
        print(summary)


if __name__ == "__main__":
    main()
