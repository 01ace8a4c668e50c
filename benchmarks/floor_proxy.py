"""The floor: the least a Python proxy can do, for benchmarks/proxy_latency.py's `--floor` row.

Run: `.venv/bin/python benchmarks/floor_proxy.py --port 9100 --upstream http://127.0.0.1:9000`

A raw ASGI app on uvicorn with the gateway's server settings (uvloop, httptools, no access log,
no Server/Date headers of its own) and one aiohttp ClientSession whose connection pool is set
up like the gateway's (gateway/proxy/upstream.py: same limit and keep-alive, no decompression,
no headers of its own). Every request is forwarded as it came (method, path, query, body,
headers less the hop-by-hop ones and Host/Content-Length), and the answer comes back with the
upstream's status and headers (less hop-by-hop): a text/event-stream chunk by chunk as it
arrives, anything else read whole and sent in one piece. Nothing is parsed, recorded or
logged, and there is no routing, policy, error mapping or watching for a client that leaves
mid-stream: an upstream failure is a bare 502.
What the gateway costs above this is what Feedgate itself does.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import uvicorn
from yarl import URL

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
NOT_UPSTREAM = HOP_BY_HOP | {b"host", b"content-length"}
BAD_GATEWAY = {"type": "http.response.start", "status": 502, "headers": [(b"content-length", b"0")]}
EMPTY_END = {"type": "http.response.body", "body": b"", "more_body": False}


class FloorProxy:
    """Forwards every HTTP request to `upstream` through one pooled aiohttp session."""

    def __init__(self, upstream: str, max_connections: int = 512, keepalive_timeout: float = 4.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.max_connections = max_connections
        self.keepalive_timeout = keepalive_timeout
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http":
            await self.forward(scope, receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Open the pool at startup (it belongs to the server's loop) and close it at shutdown."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=self.keepalive_timeout)
                self.session = aiohttp.ClientSession(
                    connector=connector,
                    skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                    cookie_jar=aiohttp.DummyCookieJar(),
                    auto_decompress=False,
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One request: read the body, send it upstream, relay the answer."""
        assert self.session is not None, "requests arrive only after lifespan startup"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        query = scope["query_string"]
        url = URL(
            self.upstream + scope["raw_path"].decode("latin-1") + ("?" + query.decode() if query else ""), encoded=True
        )
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope["headers"] if n not in NOT_UPSTREAM]
        try:
            response = await self.session.request(
                scope["method"], url, headers=headers, data=b"".join(chunks), allow_redirects=False, compress=False
            )
        except (TimeoutError, aiohttp.ClientError, OSError):
            await send(BAD_GATEWAY)
            await send(EMPTY_END)
            return
        try:
            answer_headers = [(n.lower(), v) for n, v in response.raw_headers if n.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status, "headers": answer_headers})
            if response.content_type == "text/event-stream":
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send(EMPTY_END)
            else:
                await send({"type": "http.response.body", "body": await response.read(), "more_body": False})
        finally:
            response.release()


def main(argv: list[str] | None = None) -> None:
    """Serve the floor proxy until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="the upstream's base URL, e.g. http://127.0.0.1:9000")
    args = parser.parse_args(argv)
    uvicorn.run(
        FloorProxy(args.upstream),
        host=args.host, port=args.port, loop="uvloop", http="httptools", lifespan="on",
        access_log=False, log_level="warning", server_header=False, date_header=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
