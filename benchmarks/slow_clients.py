"""Slow clients against `feedgate serve`: how long they hold a connection, and whether others are still answered.

Run: `.venv/bin/python benchmarks/slow_clients.py [--connections 100] [--window 30] [--nofile 1024]`

What it does, against a real `feedgate serve` process (SQLite in a temp folder, the fake upstream):

1. **Hold times.** Opens `--connections` connections of each kind and watches them for `--window`
   seconds: *silent* (connects, sends nothing), *slow head* (a request line, then one header line
   every 2 s, never finishing), *slow body* (a whole head announcing 100,000 bytes, then 10 bytes
   every 2 s). For each kind it reports how many the gateway closed, when (median), and the status
   line it answered with, if any.
2. **Exhaustion.** Restarts the gateway with its open-file limit at `--nofile` (1,024 is the
   usual default on Linux), opens that many + 100 silent connections, and sends one ordinary chat
   call every 0.5 s for `--window` seconds: a gateway that keeps idle connections forever runs out
   of file descriptors and answers nobody; one that closes them recovers.

Every call's outcome is printed; nothing is timed inside the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from proxy_runs import free_port, stop, wait_for_port

from gateway.demo.fake_upstream import run_fake_upstream

ROOT = Path(__file__).resolve().parent.parent
CHAT = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer sk-slow\r\n"


@dataclass
class Held:
    """What happened to one slow connection."""

    kind: str
    closed_after: float | None = None
    answer: str = ""


@dataclass
class Probes:
    """Ordinary calls sent while the slow clients hold their connections."""

    latencies: list[float] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)


@contextmanager
def running_gateway(upstream_url: str, folder: Path, nofile: int | None) -> Iterator[int]:
    """`feedgate serve` on a free port, optionally with a lower open-file limit; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'feedgate.db'}",
        "FEEDGATE_UPSTREAM_URL": upstream_url,
        "FEEDGATE_SPOOL_PATH": str(folder / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }

    def limit_files() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    log = folder / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, preexec_fn=limit_files,
        )  # fmt: skip
    try:
        wait_for_port(port, process, "feedgate serve", log)
        yield port
    finally:
        stop(process)


async def hold(port: int, kind: str, window: float, started: float) -> Held:
    """Open one slow connection of `kind` and trickle bytes until the gateway closes it or the window ends."""
    held = Held(kind)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as exc:
        held.answer = f"connect failed: {exc.__class__.__name__}"
        return held
    if kind == "slow head":
        writer.write(HEAD)
    elif kind == "slow body":
        writer.write(HEAD + b"content-type: application/json\r\ncontent-length: 100000\r\n\r\n")
    deadline = started + window
    try:
        while time.monotonic() < deadline:
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout=2.0)
            except TimeoutError:
                if kind == "slow head":
                    writer.write(b"x-slow: a\r\n")
                elif kind == "slow body":
                    writer.write(b" " * 10)
                await writer.drain()
                continue
            if data and not held.answer:
                held.answer = data.split(b"\r\n", 1)[0].decode(errors="replace")
            if not data:
                held.closed_after = time.monotonic() - started
                break
    except OSError:
        held.closed_after = time.monotonic() - started
    finally:
        writer.close()
    return held


async def probe(port: int, window: float, started: float) -> Probes:
    """One ordinary chat call every 0.5 s, each on a new connection."""
    probes = Probes()
    async with httpx.AsyncClient(timeout=5.0, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while (elapsed := time.monotonic() - started) < window:
            sent = time.perf_counter()
            try:
                response = await client.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions", content=CHAT,
                    headers={"authorization": "Bearer sk-probe", "content-type": "application/json"},
                )  # fmt: skip
                if response.status_code == 200:
                    probes.latencies.append(time.perf_counter() - sent)
                else:
                    probes.failures.append((elapsed, f"HTTP {response.status_code}"))
            except httpx.HTTPError as exc:
                probes.failures.append((elapsed, exc.__class__.__name__))
            await asyncio.sleep(0.5)
    return probes


async def hold_times(port: int, connections: int, window: float) -> list[Held]:
    started = time.monotonic()
    kinds = ["silent", "slow head", "slow body"]
    return await asyncio.gather(*(hold(port, kind, window, started) for kind in kinds for _ in range(connections)))


async def exhaustion(port: int, connections: int, window: float) -> tuple[list[Held], Probes]:
    started = time.monotonic()
    holders = [asyncio.create_task(hold(port, "silent", window, started)) for _ in range(connections)]
    await asyncio.sleep(1.0)  # let them connect first
    probes = await probe(port, window, started)
    return list(await asyncio.gather(*holders)), probes


def report_holds(held: list[Held], window: float) -> None:
    print(f"\n{'kind':<10} {'connections':>11} {'closed':>7} {'median close (s)':>17}  answer")
    for kind in ["silent", "slow head", "slow body"]:
        rows = [h for h in held if h.kind == kind]
        closed = [h.closed_after for h in rows if h.closed_after is not None]
        median = f"{statistics.median(closed):.1f}" if closed else f"open > {window:.0f}"
        answers = sorted({h.answer or "(none)" for h in rows})
        print(f"{kind:<10} {len(rows):>11} {len(closed):>7} {median:>17}  {', '.join(answers)}")


def report_probes(held: list[Held], probes: Probes) -> None:
    closed = [h.closed_after for h in held if h.closed_after is not None]
    print(f"\nsilent connections: {len(held)}, closed by the gateway: {len(closed)}", end="")
    print(f" (median after {statistics.median(closed):.1f} s)" if closed else "")
    sent = len(probes.latencies) + len(probes.failures)
    print(f"ordinary calls: {sent} sent, {len(probes.latencies)} answered 200, {len(probes.failures)} failed")
    if probes.failures:
        last = max(at for at, _ in probes.failures)
        kinds = sorted({what for _, what in probes.failures})
        print(f"  failures: {', '.join(kinds)}; the last at {last:.1f} s")
    if probes.latencies:
        print(f"  answered in {statistics.median(probes.latencies) * 1000:.1f} ms (median)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100, help="slow connections of each kind (part 1)")
    parser.add_argument("--window", type=float, default=30.0, help="seconds each part watches")
    parser.add_argument("--nofile", type=int, default=1024, help="the gateway's open-file limit in part 2")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="feedgate-slow-clients-") as temp, run_fake_upstream() as upstream:
        folder = Path(temp)
        print(f"1. Hold times: {args.connections} connections of each kind, watched for {args.window:.0f} s")
        with running_gateway(upstream.url, folder, None) as port:
            report_holds(asyncio.run(hold_times(port, args.connections, args.window)), args.window)
        silent = args.nofile + 100
        print(f"\n2. Exhaustion: open-file limit {args.nofile}, {silent} silent connections, a call every 0.5 s")
        with running_gateway(upstream.url, folder, args.nofile) as port:
            held, probes = asyncio.run(exhaustion(port, silent, args.window))
            report_probes(held, probes)


if __name__ == "__main__":
    main()
