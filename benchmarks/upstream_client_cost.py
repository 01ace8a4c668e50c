"""CPU per call of the gateway's upstream client on a real socket, beside the floor's way, this tree against a revision.

Run: `.venv/bin/python benchmarks/upstream_client_cost.py [--baseline REV] [--calls 4000] [--rounds 5] [--stream]
[--profile]`

`benchmarks/proxy_overhead.py` measures the proxy's own code against an in-memory upstream; what it leaves out is
the client that reaches the real upstream (gateway/proxy/upstream.py): the request's headers turned from bytes into
the text aiohttp takes, the request sent, the answer's status and headers, its headers relayed
(gateway.proxy.headers.downstream_response_headers) and the header lookups the forward stage makes, the body read
whole (gateway.proxy.relay.read_whole) or, with `--stream`, chunk by chunk, and the connection given back. This
script does that against the project's fake upstream (`python -m gateway.demo.fake_upstream`, as
benchmarks/proxy_rounds.py starts it) over a loopback socket, one `POST /v1/chat/completions` with
proxy_latency.py's body and wrk's headers at a time (c1) or 32 in flight (c32), and beside it the floor's way
(benchmarks/floor_proxy.py's lines: one aiohttp ClientSession, the same call, `read()`), all in fresh processes.

Each round runs every (client, concurrency) in its own process, the order reversed every other round, so that a
slow spell of the shared host falls on all of them. CPU is the measuring process's own (time.process_time), per
call, after a warm-up; the fake upstream's is not in it. The baseline tree is exported from git into a temporary
folder, and each process refuses to report unless it imported `gateway` from its own tree. `--profile` instead
prints cProfile's top entries for this tree's client at each concurrency.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from proxy_runs import free_port
from proxy_targets import start_fake_upstream
from tree_runs import run_in_tree

ROOT = Path(__file__).resolve().parent.parent

# The measured program: argv = upstream url, calls, concurrency, client ("gateway" or "floor"), stream, profile.
CHILD = r"""
import asyncio, cProfile, io, json, pstats, sys, time
import aiohttp, uvloop
from yarl import URL

url, calls, concurrency, client = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
stream, profile = sys.argv[5] == "stream", sys.argv[6] == "profile"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for an online store. Answer briefly and politely."},
    {"role": "user", "content": "Hi! My order #48213 was supposed to arrive yesterday. Can you tell me where it is?"},
]
request = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
if stream:
    request.update(stream=True, stream_options={"include_usage": True})
BODY = json.dumps(request, separators=(",", ":")).encode()
# What the gateway forwards of wrk's request (gateway.proxy.headers.upstream_request_headers drops Host and length).
HEADERS = [(b"content-type", b"application/json"), (b"authorization", b"Bearer sk-feedgate-bench")]
NOT_UPSTREAM = {b"host", b"content-length", b"connection"}
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding"}

async def gateway_client():
    from gateway.proxy.headers import downstream_response_headers
    from gateway.proxy.relay import read_whole
    from gateway.proxy.upstream import AiohttpUpstream

    upstream = AiohttpUpstream(max_connections=512, keepalive_timeout=4.0, connect_timeout=10.0, read_timeout=600.0)

    async def one():
        # What gateway.proxy.forward_upstream.UpstreamForwarder.forward asks of the client for one call.
        response = await upstream.send("POST", url, HEADERS, BODY)
        try:
            downstream_response_headers(response.raw_headers)
            "x-request-id" in response.headers
            response.header("content-type")
            response.header("content-encoding")
            if stream:
                async for chunk in response.aiter_raw():
                    pass
            else:
                await read_whole(response, None, 0.0)
        finally:
            await response.aclose()

    return one, upstream.aclose

async def floor_client():
    connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0)
    session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                                    cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
    target = URL(url, encoded=True)

    async def one():
        # benchmarks/floor_proxy.py's lines for one call.
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in HEADERS if n not in NOT_UPSTREAM]
        response = await session.request("POST", target, headers=headers, data=BODY, allow_redirects=False,
                                         compress=False)
        try:
            [(n.lower(), v) for n, v in response.raw_headers if n.lower() not in HOP_BY_HOP]
            if response.content_type == "text/event-stream":
                async for chunk in response.content.iter_any():
                    pass
            else:
                await response.read()
        finally:
            response.release()

    return one, session.close

async def main():
    one, close = await (gateway_client() if client == "gateway" else floor_client())

    async def worker(count):
        for _ in range(count):
            await one()

    async def batch(total):
        await asyncio.gather(*(worker(total // concurrency) for _ in range(concurrency)))

    await batch(max(concurrency * 20, 400))  # warm-up: the pool's connections, caches
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
    if profiler:
        profiler.enable()
    started = time.process_time()
    await batch(calls)
    spent = time.process_time() - started
    if profiler:
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        print(text.getvalue(), file=sys.stderr)
    await close()
    import gateway
    done = calls // concurrency * concurrency
    print(json.dumps({"us_per_call": spent / done * 1e6, "code": gateway.__file__}))

uvloop.run(main())
"""


def measure(source: Path, url: str, calls: int, concurrency: int, client: str, stream: bool, profile: bool) -> float:
    """CPU microseconds per call of `client` ("gateway" or "floor") with `source`'s code, in a fresh interpreter."""
    arguments = [url, str(calls), str(concurrency), client, "stream" if stream else "json"]
    result, errors = run_in_tree(source, CHILD, [*arguments, "profile" if profile else "time"])
    if profile:
        print(errors)
    return float(result["us_per_call"])


def main(argv: list[str] | None = None) -> None:
    """Run the rounds and print a table of medians (or, with --profile, the profiles)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--calls", type=int, default=4000, help="measured calls per process (default 4000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--stream", action="store_true", help="a streamed answer instead of JSON")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries for this tree's client")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="feedgate-upclient-") as scratch:
        workdir = Path(scratch)
        port = free_port()
        upstream = start_fake_upstream(port, workdir / "upstream.log")
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        try:
            if args.profile:
                for concurrency in (1, 32):
                    print(f"--- this tree's client, c{concurrency}")
                    measure(ROOT, url, args.calls, concurrency, "gateway", args.stream, True)
                return
            baseline = workdir / "baseline"
            baseline.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True
            )
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
            rows = {"floor (one ClientSession)": (ROOT, "floor"), f"gateway {args.baseline}": (baseline, "gateway")}
            rows["gateway, this tree"] = (ROOT, "gateway")
            results: dict[tuple[str, int], list[float]] = {}
            for round_number in range(1, args.rounds + 1):
                order = list(rows.items()) if round_number % 2 else list(reversed(rows.items()))
                for concurrency in (1, 32):
                    for name, (source, client) in order:
                        value = measure(source, url, args.calls, concurrency, client, args.stream, False)
                        results.setdefault((name, concurrency), []).append(value)
                        print(f"round {round_number}: c{concurrency} {name}: {value:.1f} µs/call", flush=True)
        finally:
            upstream.terminate()
            upstream.wait()

    kind = "stream" if args.stream else "JSON"
    print(f"\nCPU per call, {kind} answer (median of {args.rounds} rounds, {args.calls:,} calls each; min-max):\n")
    print("| Client | c1 | c32 |")
    print("|---|---|---|")
    for name in rows:
        cells = []
        for concurrency in (1, 32):
            values = results[(name, concurrency)]
            cells.append(f"{statistics.median(values):.1f} µs ({min(values):.1f}-{max(values):.1f})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    for concurrency in (1, 32):
        floor, before, after = (statistics.median(results[(name, concurrency)]) for name in rows)
        print(
            f"c{concurrency}: this tree {(after - before) / before * 100:+.1f} % against {args.baseline}; "
            f"{after / floor:.2f}x the floor's ({before / floor:.2f}x before)"
        )


if __name__ == "__main__":
    main()
