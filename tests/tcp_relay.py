"""A small asyncio TCP relay that can cut or freeze every connection, to stage real network outages."""

from __future__ import annotations

import asyncio
import contextlib


class TcpRelay:
    """Forwards connections from a local port to a target; `stop()` is an outage, `start()` the recovery.

    `freeze()` is a server that hangs rather than fails (SIGSTOP, a route that drops packets): every
    connection stays open, but no byte goes through either way, and a new connection is accepted and
    then hears nothing, until `thaw()` lets everything held through, in order.

    The port is chosen on the first `start()` and kept across restarts, so a
    client configured with the relay's address reconnects to the same place.
    """

    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listen (again) on the relay's port."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._relay, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def frozen(self) -> bool:
        return not self._flowing.is_set()

    def freeze(self) -> None:
        """Stop forwarding bytes, without closing anything: the target seems to hang."""
        self._flowing.clear()

    def thaw(self) -> None:
        """Forward again, what was held first."""
        self._flowing.set()

    async def stop(self) -> None:
        """Stop listening and kill every open relayed connection, both sides, at once."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(client_writer)
        target_writer: asyncio.StreamWriter | None = None
        try:
            # Accepted, as a kernel accepts for a stopped server, and left unanswered while frozen.
            await self._flowing.wait()
            target_reader, target_writer = await asyncio.open_connection(self.target_host, self.target_port)
            self._writers.add(target_writer)
            await asyncio.gather(
                self._pipe(client_reader, target_writer),
                self._pipe(target_reader, client_writer),
            )
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for writer in (client_writer, target_writer):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.transport.abort()
            self._tasks.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            with contextlib.suppress(OSError):
                if writer.can_write_eof():
                    writer.write_eof()
