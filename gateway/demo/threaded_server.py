"""Serving an ASGI app with uvicorn in a background thread: for tests, demos and benchmarks."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar, cast

import uvicorn

T = TypeVar("T")


# Longer than the 5 s for which httpx (and so the openai SDK) keeps an idle connection.
KEEP_ALIVE_SECONDS = 15


class ThreadedServer:
    """uvicorn on its own thread and event loop, bound to a port chosen up front (0 = any free one)."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        lifespan: Literal["auto", "on", "off"] = "off",
        loop: str = "asyncio",
        http: str | Callable[..., asyncio.Protocol] = "auto",
        shutdown_timeout: float = 1.0,
    ) -> None:
        self.app = app
        self.host = host
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.port: int = self._socket.getsockname()[1]
        # uvicorn only calls `http` to make each connection's protocol: a class or a partial of one.
        protocol = cast("type[asyncio.Protocol] | str", http)
        # Typed int by uvicorn, which waits on it with asyncio.timeout: any number of seconds works.
        shutdown = cast(int, shutdown_timeout)
        # Idle connections are kept longer than httpx and the openai SDK keep theirs (5 s), so the client always
        # lets go first: at uvicorn's default of 5 s too, a client could reuse a connection the server was
        # closing at that moment, and its request failed with a ReadError (seen in the demo under load).
        config = uvicorn.Config(
            app, loop=loop, http=protocol, lifespan=lifespan, log_config=None, log_level="warning",
            access_log=False, timeout_graceful_shutdown=shutdown, server_header=False, date_header=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._serve, name=f"asgi-server-{self.port}", daemon=True)

    def _serve(self) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await self._server.serve(sockets=[self._socket])

        # Unlike Server.run, this keeps our loop reference for run_coroutine.
        asyncio.run(serve())

    @property
    def origin(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ThreadedServer:
        """Start serving and return once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start on {self.origin}")
            time.sleep(0.005)
        return self

    def run_coroutine(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the server's own loop (e.g. to reach its services) and wait for it."""
        assert self._loop is not None, "the server is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (running its lifespan shutdown) and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> ThreadedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
