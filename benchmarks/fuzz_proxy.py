"""A hand-written fuzz of the proxy (/v1/*) over raw sockets: no bad request may get a 5xx of the gateway's.

Run: `.venv/bin/python benchmarks/fuzz_proxy.py [--random 200] [--seed 12] [--database-url URL]`

Starts the fake upstream and a gateway on a real socket (uvicorn, httptools, as `feedgate serve`)
with a fresh temp SQLite database (or `--database-url`) and FEEDGATE_MAX_REQUEST_BYTES at 1 MiB,
then sends every case of gateway.demo.bad_requests on its own connection: malformed JSON,
truncated bodies, wrong and missing content types, invalid UTF-8 in body, headers and path,
huge headers, very long paths, traversal tricks, methods the proxy does not serve, bodies over
the limit, broken and early-ending chunked bodies, clients that hang up mid-request and
mid-stream, and `--random` seeded random mutations of a valid chat request. Also bad posts to
/v1/feedback (gateway.demo.bad_feedback_requests): each names a real interaction, which
fuzz_api.py's posts (from the OpenAPI schema) never do, so they reach validation and storage; it
stores what it is sent, so run it with a PostgreSQL `--database-url` too.

A case fails when the gateway answers 5xx itself (an upstream's own 5xx, which carries its
`x-request-id`, passes through), when a client that waited got no answer at all, or when the
gateway logged an error while handling it. A client that hung up before its body was complete
must not have its truncated request forwarded upstream. At the end the gateway must still
answer /healthz and a plain chat call. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from gateway.demo.bad_feedback_requests import bad_feedback
from gateway.demo.bad_requests import bad_requests, judge
from gateway.demo.fuzz_target import running_fuzz_target

MAX_REQUEST_BYTES = 1024 * 1024


def run(random_count: int, run_seed: int, database_url: str | None) -> int:
    """Send every case; print a summary; return the exit code (1 on any failure)."""
    started = time.perf_counter()
    cases = bad_feedback() + bad_requests(run_seed, random_count, MAX_REQUEST_BYTES)
    with running_fuzz_target(database_url, MAX_REQUEST_BYTES) as target:
        verdicts = [judge(target, case) for case in cases]
        healthy = target.healthy()
    seconds = time.perf_counter() - started
    statuses = Counter(v.status for v in verdicts)
    failed = [v for v in verdicts if v.problem]
    for verdict in verdicts:
        if verdict.problem or not verdict.case.name.startswith("random"):
            mark = "FAIL" if verdict.problem else "ok"
            print(
                f"{mark:4} {verdict.status!s:>4}  {verdict.case.name}"
                + (f": {verdict.problem}" if verdict.problem else "")
            )
    summary = ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(statuses.items(), key=str))
    print(
        f"\n{len(cases)} cases ({len(cases) - random_count} hand-written, {random_count} random, seed {run_seed}); "
        f"statuses {summary}; {len(failed)} failed; gateway healthy afterwards: {healthy}; {seconds:.0f} s"
    )
    return 1 if failed or not healthy else 0


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=200, help="random mutations of a valid request (default 200)")
    parser.add_argument("--seed", type=int, default=12, help="seed of the random mutations")
    parser.add_argument("--database-url", default=None, help="database to migrate and use (default: temp SQLite)")
    args = parser.parse_args(argv)
    sys.exit(run(args.random, args.seed, args.database_url))


if __name__ == "__main__":
    main()
