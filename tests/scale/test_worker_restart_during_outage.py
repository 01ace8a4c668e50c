"""`feedgate serve --workers 2` when a worker dies while PostgreSQL is away: the gateway serves on.

uvicorn replaces a worker that dies, but stops every worker when a replacement fails to start. A
replacement started during a database outage must therefore start without the database: it gets
the feedback secret and key salt from the parent, answers calls and spools them, and the rows
reach the database once it is back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from scale_processes import START_TIMEOUT, GatewayProcess
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from tcp_relay import TcpRelay

from gateway.store.engine import create_engine
from gateway.store.tables import interactions

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


class RelayInThread:
    """A TcpRelay driven from synchronous test code: its event loop runs in a thread of its own."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.relay = TcpRelay(url.host or "127.0.0.1", url.port or 5432)
        self.relayed_url = url.set(host="127.0.0.1")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    def start(self) -> str:
        """Listen (again); the database URL through the relay."""
        self._run(self.relay.start())
        return self.relayed_url.set(port=self.relay.port).render_as_string(hide_password=False)

    def stop(self) -> None:
        """The outage: every relayed connection is cut and no new one is accepted."""
        self._run(self.relay.stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def relay(scale_database_url: str) -> Iterator[RelayInThread]:
    relay = RelayInThread(scale_database_url)
    yield relay
    relay.close()


def workers_of(pid: int) -> set[int]:
    """uvicorn's worker processes under `pid` (multiprocessing's spawned children, not its helpers)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                found.add(int(child))
    return found


def started_workers(gateway: GatewayProcess) -> int:
    """How many workers have finished their start (uvicorn says so once each, in the serve's log)."""
    return gateway.output().count("Application startup complete")


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.2)


def stored(database_url: str, ids: list[str]) -> int:
    async def count() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                query = select(func.count()).select_from(interactions).where(interactions.c.id.in_(ids))
                return int((await connection.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_a_worker_replaced_during_an_outage_serves_and_its_calls_are_stored_once_the_database_is_back(
    relay: RelayInThread, deployment_env: dict[str, str], scale_database_url: str, workdir: Path
):
    env = {
        **deployment_env,
        "FEEDGATE_DATABASE_URL": relay.start(),
        "FEEDGATE_SPOOL_PATH": str(workdir / "outage-spool" / "feedgate.spool.jsonl"),
        "FEEDGATE_WRITER_RETRY_INTERVAL": "0.5",
    }
    gateway = GatewayProcess.serve("gateway-outage", env, workdir, "--workers", "2")
    try:
        gateway.wait_ready()
        # wait_ready hears from one worker; the outage is to begin once both have started with the database.
        wait_until(lambda: started_workers(gateway) == 2, START_TIMEOUT, "both workers started")
        first = workers_of(gateway.pid)
        assert len(first) == 2
        relay.stop()
        os.kill(min(first), signal.SIGKILL)
        wait_until(lambda: len(workers_of(gateway.pid) - first) == 1, 60, "uvicorn started a replacement")
        # The replacement's start, without the database (a fixed 3 s: on a loaded machine it was still importing,
        # the calls all went to the other worker and the database could be back before it even tried).
        wait_until(lambda: started_workers(gateway) == 3, START_TIMEOUT, "the replacement started")
        assert "starting anyway: interactions are spooled" in gateway.output()

        gateway.assert_running()
        no_keepalive = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10)
        client = openai.OpenAI(base_url=gateway.url, api_key="sk-a", max_retries=0, http_client=no_keepalive)
        sent = []
        for n in range(20):
            raw = client.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"during the outage {n}"}]
            )
            sent.append(raw.headers["x-feedgate-interaction-id"])
        assert len(workers_of(gateway.pid)) == 2

        relay.start()
        wait_until(lambda: stored(scale_database_url, sent) == len(sent), 60, "the spooled calls were stored")
    finally:
        gateway.terminate()
        gateway.stop()
    assert "starting anyway: interactions are spooled" in gateway.output()
