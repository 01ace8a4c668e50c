"""Schemathesis against every operation in the gateway's OpenAPI schema: no answer may be a 5xx.

Run: `.venv/bin/python benchmarks/fuzz_api.py [--examples 25] [--seed 12] [--database-url URL]`

Starts the fake upstream and a gateway on a real socket (uvicorn, httptools) with a fresh temp
SQLite database, or migrates `--database-url` (e.g. a PostgreSQL database made for the run; its
rows are left there). Then runs the schemathesis CLI on /schema/openapi.json with the admin token
and only the `not_a_server_error` check, so every failure it reports is a 5xx. Every operation
the schema lists is covered (the admin API under /api/, feedback under /v1/feedback, the probes
and /metrics: whatever is there at run time; the raw proxy is not in the schema, see
fuzz_proxy.py), through schemathesis' phases: coverage (boundary and invalid values of every
parameter and body), fuzzing (`--examples` random cases per operation, valid and invalid) and
stateful (chains of calls along the links it infers).

The summary counts the requests and answers per operation from schemathesis' NDJSON report, and
adds what a status code cannot show: errors the gateway logged meanwhile, and whether it still
answers /healthz and a chat call at the end. Exits 1 on any 5xx, logged error or failed probe.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from gateway.demo.fuzz_target import ADMIN_TOKEN, running_fuzz_target

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def answers_by_operation(report: Path) -> dict[str, Counter[int]]:
    """Status codes per operation label, from a schemathesis NDJSON report."""
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    with report.open() as lines:
        for line in lines:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished is None:
                continue
            for interaction in finished["recorder"].get("interactions", {}).values():
                response = interaction.get("response")
                # Counted under the operation, whatever method a coverage case tried on its path;
                # stateful scenarios are labelled by scenario, so their requests are named instead.
                label = finished["recorder"]["label"]
                if finished["phase"] == "stateful":
                    path = "/" + interaction["request"]["uri"].split("/", 3)[-1].partition("?")[0]
                    label = f"stateful: {interaction['request']['method']} {path}"
                statuses[label][response["status_code"] if response else 0] += 1
    return statuses


def run(examples: int, run_seed: int, database_url: str | None) -> int:
    """Fuzz every operation; print schemathesis' output and a summary; return the exit code."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="feedgate-schemathesis-") as reports,
        running_fuzz_target(database_url) as target,
    ):
        command = [
            str(SCHEMATHESIS), "run", f"{target.origin}/schema/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", str(examples), "--seed", str(run_seed),
            "--header", f"Authorization: Bearer {ADMIN_TOKEN}", "--no-color",
            "--report", "ndjson", "--report-dir", reports,
        ]  # fmt: skip
        cli = subprocess.run(command, check=False)
        crashes = target.crashes.lines()
        healthy = target.healthy()
        report = next(Path(reports).glob("*.ndjson"), None)
        statuses = answers_by_operation(report) if report is not None else {}
    seconds = time.perf_counter() - started
    print("\n== Feedgate summary ==")
    for label, counts in sorted(statuses.items()):
        line = " ".join(f"{code or 'none'}x{count}" for code, count in sorted(counts.items()))
        print(f"{'5xx!' if any(code >= 500 for code in counts) else 'ok':4} {label[:70]:70} {line}")
    requests = sum(sum(counts.values()) for counts in statuses.values())
    operations = sum(1 for label in statuses if not label.startswith("stateful:"))
    server_errors = sum(count for counts in statuses.values() for code, count in counts.items() if code >= 500)
    print(
        f"\n{operations} operations answered {requests} requests (stateful chains included) (--max-examples {examples}, seed {run_seed}): "
        f"{server_errors} 5xx; schemathesis exit code {cli.returncode}; {len(crashes)} errors logged by the gateway; "
        f"healthy afterwards: {healthy}; {seconds:.0f} s"
    )
    for line in crashes[:20]:
        print(f"logged: {line}")
    return 1 if cli.returncode or server_errors or crashes or not healthy else 0


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="fuzzing-phase examples per operation (default 25)")
    parser.add_argument("--seed", type=int, default=12, help="schemathesis seed, for a reproducible run")
    parser.add_argument("--database-url", default=None, help="database to migrate and use (default: temp SQLite)")
    args = parser.parse_args(argv)
    sys.exit(run(args.examples, args.seed, args.database_url))


if __name__ == "__main__":
    main()
