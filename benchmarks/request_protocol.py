"""CPU per request in the gateway's HTTP protocol against uvicorn's own httptools protocol, in one run.

Run: `.venv/bin/python benchmarks/request_protocol.py [--requests 20000] [--rounds 15]`

`gateway/request_limits.py` adds bounds to uvicorn's httptools protocol (a head's size, a head's
and a body's time). What they cost is a few attribute checks per read and a clock read per
request, far below what `proxy_latency.py` can resolve on a shared machine. This script feeds
whole keep-alive requests (a small JSON chat body) to one protocol instance on uvloop, with an
in-memory transport and an ASGI app that reads the body and answers two bytes, and reports the
CPU time (process time) per request for both protocols. Rounds alternate between them; the
minimum is the least disturbed round, the median the typical one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import uvicorn
import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.config import Settings
from gateway.request_limits import bounded_protocol

BODY = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer sk-app\r\n"
    b"content-type: application/json\r\ncontent-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


async def answer(scope: Any, receive: Any, send: Any) -> None:
    """Read the body, answer two bytes."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


class MemoryTransport(asyncio.Transport):
    """A transport that counts writes instead of sending them, and says when a response is out."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.closing = False
        self.answered = asyncio.Event()

    def write(self, data: Any) -> None:
        self.writes += 1
        if self.writes % 2 == 0:  # the response's head, then its body
            self.answered.set()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def cpu_per_request(make_protocol: Any, requests: int) -> float:
    """Microseconds of CPU per request for `requests` keep-alive requests on one connection."""
    config = uvicorn.Config(answer, lifespan="off", log_level="warning", access_log=False)
    config.load()
    protocol = make_protocol(config=config, server_state=ServerState(), app_state={})
    transport = MemoryTransport()
    protocol.connection_made(transport)
    started = time.process_time()
    for _ in range(requests):
        transport.answered.clear()
        protocol.data_received(REQUEST)
        await transport.answered.wait()
    spent = time.process_time() - started
    protocol.connection_lost(None)
    return spent / requests * 1e6


async def compare(requests: int, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"uvicorn's httptools protocol": [], "Feedgate's (request_limits)": []}
    for _ in range(rounds):
        results["uvicorn's httptools protocol"].append(await cpu_per_request(HttpToolsProtocol, requests))
        feedgate = await cpu_per_request(bounded_protocol(Settings()), requests)
        results["Feedgate's (request_limits)"].append(feedgate)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    results = uvloop.run(compare(args.requests, args.rounds))
    print(f"{'protocol':<30} {'min µs':>8} {'median µs':>10}   ({args.rounds} rounds of {args.requests:,} requests)")
    for name, values in results.items():
        print(f"{name:<30} {min(values):>8.2f} {statistics.median(values):>10.2f}")


if __name__ == "__main__":
    main()
