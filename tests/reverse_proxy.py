"""A TLS-terminating reverse proxy's part in a test, as nginx, Caddy or a cloud load balancer plays it.

`ReverseProxy` is an ASGI app: on a real socket (`serve`) it relays each request to the gateway's
socket over HTTP, streaming the answer back as it arrives; in process it can also wrap the gateway
app itself (`in_process`). Either way it does what such a proxy does and nothing more: it strips
the public path prefix or keeps it, and appends X-Forwarded-For, X-Forwarded-Proto and
X-Forwarded-Host. It rewrites nothing in the answers (nginx's `proxy_redirect default` leaves a
`Location: /admin` as it is), so every URL a browser or an app gets is the gateway's own.
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.demo.threaded_server import ThreadedServer
from tests.ports import free_port

# The ports this project's helper may listen on (tests on real sockets pick a free one among them).
PORTS = range(20400, 20500)
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade", b"host", b"content-length"}


class ReverseProxy:
    """Public `https://{host}{prefix}/…` in front of the gateway at `target` (an origin, or an ASGI app)."""

    def __init__(
        self,
        target: Any,
        *,
        prefix: str = "",
        keep_prefix: bool = False,
        host: str = "tools.example.com",
        scheme: str = "https",
        browser_address: str = "203.0.113.9",
        proxy_address: str = "10.0.0.2",
    ) -> None:
        self.target = target
        self.prefix = prefix
        self.keep_prefix = keep_prefix
        self.host = host
        self.scheme = scheme
        # The socket peer the proxy sees (in process: the test client has no real address).
        self.browser_address = browser_address
        # The proxy's own address, as the gateway sees it in process (on a socket it is 127.0.0.1).
        self.proxy_address = proxy_address
        self._server: ThreadedServer | None = None

    def serve(self) -> ReverseProxy:
        """Listen on a free port of PORTS (the public address is then `self.origin`)."""
        self._server = ThreadedServer(self, port=free_port(PORTS), lifespan="off").start()  # type: ignore[assignment]
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.stop()

    @property
    def origin(self) -> str:
        """Where the proxy listens (plain http: TLS is what X-Forwarded-Proto says was ended before it)."""
        assert self._server is not None, "serve() first"
        return self._server.origin

    @property
    def public_base(self) -> str:
        """The base an app is given: the proxy's socket, the public prefix."""
        return self.origin + self.prefix

    def in_process(self) -> httpx.AsyncClient:
        """A browser on `https://{host}` talking to this proxy, which calls the gateway app in process."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self, client=(self.browser_address, 50000)),
            base_url=f"{self.scheme}://{self.host}",
        )

    def _upstream_path(self, path: str) -> str | None:
        """The path the gateway gets, or None when the request is outside the public prefix."""
        if not self.prefix:
            return path
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return None
        return path if self.keep_prefix else path[len(self.prefix) :] or "/"

    def _headers(self, scope: dict[str, Any]) -> list[tuple[bytes, bytes]]:
        peer = scope["client"][0] if scope.get("client") else self.browser_address
        forwarded = [(name, value) for name, value in scope["headers"] if name.lower() not in HOP_BY_HOP]
        chain = [value for name, value in forwarded if name.lower() == b"x-forwarded-for"]
        forwarded = [(name, value) for name, value in forwarded if name.lower() != b"x-forwarded-for"]
        # nginx's $proxy_add_x_forwarded_for: what came, then the peer.
        chain_value = b", ".join([*chain, peer.encode()])
        return [
            *forwarded,
            (b"host", b"gateway.internal:8080"),
            (b"x-forwarded-for", chain_value),
            (b"x-forwarded-proto", self.scheme.encode()),
            (b"x-forwarded-host", self.host.encode()),
        ]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = self._upstream_path(scope["path"])
        if path is None:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"not under the proxy's prefix"})
            return
        headers = self._headers(scope)
        if not isinstance(self.target, str):
            # In process: the gateway app itself, as the proxy's plain-http request reaches it.
            inner = {**scope, "path": path, "raw_path": path.encode(), "scheme": "http", "headers": headers}
            inner["client"] = (self.proxy_address, 40000)
            await self.target(inner, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode()
        url = self.target + path + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=30) as http:
            request = http.build_request(scope["method"], url, headers=headers, content=body)
            answer = await http.send(request, stream=True)
            try:
                relayed = [(n, v) for n, v in answer.headers.raw if n.lower() not in HOP_BY_HOP]
                await send({"type": "http.response.start", "status": answer.status_code, "headers": relayed})
                async for chunk in answer.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            finally:
                await answer.aclose()
