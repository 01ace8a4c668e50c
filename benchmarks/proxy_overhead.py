"""The proxy's own code per call, this tree against a git revision, without sockets or a server.

Run: `.venv/bin/python benchmarks/proxy_overhead.py [--baseline 052fb74] [--calls 20000] [--rounds 3] [--origin]
[--evict-mb 4]`

`benchmarks/proxy_latency.py` measures the whole gateway under wrk, but on a shared 2-core
machine its numbers move by ±15 % from run to run, too much to see a change of a few
microseconds. This script isolates what a change to `gateway/proxy/` can alter: it drives
`ProxyApp` directly with ASGI messages, on uvloop, against an in-memory upstream client that
answers a canned chat completion (JSON, or a 12-event stream), with the real caller resolver,
router and feedback-token signing, and a `submit` that drops the Exchange. It reports the CPU
time (process time, so other processes' load matters less than for wall time) per call. `--origin`
measures a browser page's call instead: the request names its Origin and the upstream's answer allows it
(`Access-Control-Allow-Origin: *`), so the gateway adds its headers to those the answer exposes.
`--evict-mb N` reads N MB before each call and times each call alone (thread CPU time): the caches are cold,
as they are at one connection, where the client, the upstream and the kernel run between two calls (stop 51).

Each round runs every (tree, scenario) in its own fresh subprocess, the trees alternating
(baseline, this tree, baseline, this tree, ...), so drift on the machine hits both alike. The
baseline tree is exported from git into a temporary folder; each process runs in its tree's folder with that
tree on PYTHONPATH, and refuses to report a figure if it imported `gateway` from anywhere else.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from tree_runs import run_in_tree

ROOT = Path(__file__).resolve().parent.parent

# The measured program, run with PYTHONPATH set to the tree under test.
CHILD = r"""
import asyncio, json, sys, time
import uvloop
from gateway.config_entries import Upstream
from gateway.feedback.token import FeedbackTokens
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter

calls, stream, origin = int(sys.argv[1]), sys.argv[2] == "stream", sys.argv[3] == "origin"
evict = bytearray(int(sys.argv[4]) << 20)  # read through before each measured call (--evict-mb)
ANSWER = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Your order is on its way."},
    "finish_reason": "stop"}], "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48}}).encode()
EVENTS = [b'data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"word "}}]}\n\n'] * 11 + [b"data: [DONE]\n\n"]
BODY = json.dumps({"model": "gpt-4o-mini", "stream": stream, "messages": [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"}]}).encode()

class Answer:
    status_code = 200
    def __init__(self):
        kind = b"text/event-stream" if stream else b"application/json"
        self.raw_headers = [(b"content-type", kind), (b"x-request-id", b"req_1")]
        if origin:
            self.raw_headers.append((b"access-control-allow-origin", b"*"))
        self.headers = {name.decode() for name, _ in self.raw_headers}  # its names (UpstreamResponse.headers)
    def header(self, name):
        return "text/event-stream" if (stream and name == "content-type") else ("application/json" if name == "content-type" else "")
    async def aiter_raw(self):
        if stream:
            for event in EVENTS:
                yield event
        else:
            yield ANSWER
    async def aclose(self):
        pass

class Upstream_:
    async def send(self, method, url, headers, body):
        return Answer()

async def no_keys(_):
    return None

async def main():
    proxy = ProxyApp(
        router=UpstreamRouter([Upstream(name="default", url="http://upstream.invalid/v1")]),
        resolver=CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_keys),
        client=Upstream_(), submit=lambda exchange: None, upstream_authorization={"default": None},
        max_request_bytes=1 << 20, identity_headers=FeedbackTokens("secret", 3600).response_headers,
    )
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
             "query_string": b"", "headers": [(b"host", b"gw"), (b"authorization", b"Bearer sk-app-one"),
             (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
             + ([(b"origin", b"https://app.example")] if origin else [])}
    first = {"type": "http.request", "body": BODY, "more_body": False}
    never = asyncio.Event()

    async def one():
        delivered = False
        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return first
            await never.wait()
        async def send(message):
            pass
        await proxy(scope, receive, send)

    for _ in range(2000):  # warm-up: caches, the router's and resolver's memo
        await one()
    if evict:
        # As the other processes of a round trip at one connection do: the call starts with cold caches.
        spent = 0
        for _ in range(calls):
            evict.find(1)  # all zeros: reads every byte
            started = time.thread_time_ns()
            await one()
            spent += time.thread_time_ns() - started
        us_per_call = spent / calls / 1000
    else:
        started = time.process_time()
        for _ in range(calls):
            await one()
        us_per_call = (time.process_time() - started) / calls * 1e6
    import gateway
    print(json.dumps({"us_per_call": us_per_call, "code": gateway.__file__}))

uvloop.run(main())
"""


def measure(source: Path, calls: int, scenario: str, origin: bool = False, evict_mb: int = 0) -> float:
    """CPU microseconds per call of the tree at `source`, in a fresh interpreter (`origin`: a browser page's call).

    With `evict_mb`, each call is timed alone after reading that many megabytes, which evicts the caches.
    """
    caller = "origin" if origin else "server"
    result, _ = run_in_tree(source, CHILD, [str(calls), scenario, caller, str(evict_mb)])
    return float(result["us_per_call"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--calls", type=int, default=20_000, help="measured calls per process (default 20000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--origin", action="store_true", help="a browser page's call, its upstream allowing it")
    parser.add_argument(
        "--evict-mb", type=int, default=0, help="read this many MB before each call: cold caches, as at one connection"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="feedgate-overhead-") as scratch:
        baseline = Path(scratch)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        trees = {f"baseline ({args.baseline})": baseline, "this tree": ROOT}
        results: dict[tuple[str, str], list[float]] = {}
        for round_number in range(1, args.rounds + 1):
            for scenario in ("json", "stream"):
                for name, source in trees.items():
                    value = measure(source, args.calls, scenario, args.origin, args.evict_mb)
                    results.setdefault((name, scenario), []).append(value)
                    print(f"round {round_number}: {name}, {scenario}: {value:.1f} µs/call", flush=True)

    caller = ", a page's call with its Origin" if args.origin else ""
    caller += f", {args.evict_mb} MB read before each call" if args.evict_mb else ""
    print(
        f"\nCPU per call of ProxyApp alone{caller} (median of {args.rounds} rounds, {args.calls:,} calls each; min–max):\n"
    )
    print("| Scenario | " + " | ".join(trees) + " | Change |")
    print("|---|" + "---|" * (len(trees) + 1))
    for scenario in ("json", "stream"):
        medians = [statistics.median(results[(name, scenario)]) for name in trees]
        cells = [
            f"{median:.1f} µs ({min(results[(name, scenario)]):.1f}–{max(results[(name, scenario)]):.1f})"
            for median, name in zip(medians, trees, strict=True)
        ]
        change = (medians[1] - medians[0]) / medians[0] * 100
        print(f"| {scenario} | " + " | ".join(cells) + f" | {change:+.1f} % |")


if __name__ == "__main__":
    main()
