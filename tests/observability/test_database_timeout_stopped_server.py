"""A PostgreSQL server stopped mid-test (its processes sent SIGSTOP): the 503 comes at FEEDGATE_DATABASE_TIMEOUT.

The test's own server (initdb into a temporary folder, a free port in 56700-56799), never the shared
one, which other tests and sessions use. A stopped server keeps its sockets open and answers nothing:
the request's statement times out at the limit, and the connection must then be dropped at once.
SQLAlchemy's graceful close of the timed-out connection waited up to 2 s more for the same silent
server, so the 503 came up to 2 s after the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from benchmarks.pg_instance import PG_BIN, PrivatePostgres
from gateway.app import create_app
from gateway.config import Settings
from gateway.store.migrate import upgrade_database
from tests.conftest import ADMIN_TOKEN
from tests.ports import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

LIMIT = 2.0
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
# This test's own port range: other sessions on the machine use theirs.
PORTS = range(56700, 56800)


@pytest.fixture
def private_server() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL server of this test's own, deleted afterwards."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"{PG_BIN / 'initdb'} is needed to run a PostgreSQL server of the test's own")
    server = PrivatePostgres(free_port(PORTS))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def database_url(private_server: PrivatePostgres) -> str:
    """The private server's database, migrated."""
    upgrade_database(private_server.url)
    return private_server.url


def server_processes(data: Path) -> list[int]:
    """The postmaster's pid and its children's (the backends holding the gateway's connections)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    found = [postmaster]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == postmaster:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def stopped(server: PrivatePostgres) -> Iterator[None]:
    """Every process of `server` stopped (SIGSTOP) until the block ends: connections stay open, nothing answers."""
    processes = server_processes(server.data)
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in processes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"database_timeout": LIMIT}), environ={})
    async with (
        LifespanManager(app, startup_timeout=30, shutdown_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        yield client


async def test_a_request_to_a_stopped_server_is_a_503_at_the_limit(settings, private_server):
    async with serving(settings) as client:
        # The pool holds a connection to the running server, as it does in service.
        assert (await client.get("/api/interactions", headers=ADMIN)).status_code == 200
        with stopped(private_server):
            started = time.monotonic()
            response = await client.get("/api/interactions", headers=ADMIN)
            took = time.monotonic() - started
            # The next request meets another pooled connection, or connects anew: the limit bounds either.
            started = time.monotonic()
            again = await client.get("/api/interactions", headers=ADMIN)
            took_again = time.monotonic() - started
        # The server answers again once it runs.
        for _ in range(50):
            if (await client.get("/api/interactions", headers=ADMIN)).status_code == 200:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the gateway did not reach the server again once it ran")

    for answer in (response, again):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert "did not answer within 2 s (FEEDGATE_DATABASE_TIMEOUT)" in answer.json()["detail"]
    # At the limit: not the limit and SQLAlchemy's 2 s goodbye to the silent server (margin for loaded cores).
    assert LIMIT - 0.1 < took < LIMIT + 0.5, took
    assert LIMIT - 0.1 < took_again < LIMIT + 0.5, took_again
