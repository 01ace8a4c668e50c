"""`feedgate serve` and `feedgate worker` stopped while they still check their database at start say so in one line.

A process manager stopping one whose database hangs (or an operator pressing Ctrl-C at it): Ctrl-C printed a
KeyboardInterrupt traceback (`serve`) or ended it silently with status 0 (`worker`), and SIGTERM ended either on
the spot, saying nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ports import free_port

FEEDGATE = [sys.executable, "-m", "gateway.cli"]
# What each command, stopped before it started, calls itself.
STARTED_AS = {"serve": "the gateway", "worker": "the worker"}

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def silent_database() -> Iterator[socket.socket]:
    """A port that takes connections (the kernel's backlog) and never answers: a hung database server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        yield listener


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
async def test_stopped_while_it_waits_for_its_database_says_so_in_one_line(
    silent_database: socket.socket, tmp_path: Path, stop: signal.Signals, command: str
):
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = silent_database.getsockname()[1]
    env |= {
        "FEEDGATE_DATABASE_URL": f"postgresql+asyncpg://feedgate@127.0.0.1:{port}/feedgate",
        "FEEDGATE_PORT": str(free_port()),
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    log = tmp_path / f"{command}.log"
    with log.open("w") as output:
        process = await asyncio.create_subprocess_exec(*FEEDGATE, command, env=env, stdout=output, stderr=output)
    # Its connection arriving is the sign that it waits for the database's answer (10 s at most).
    connection, _ = await asyncio.wait_for(asyncio.get_running_loop().sock_accept(silent_database), 60)
    try:
        process.send_signal(stop)
        async with asyncio.timeout(30):
            status = await process.wait()
    finally:
        connection.close()

    said = log.read_text()
    assert status == 128 + stop, said
    assert "Traceback" not in said, said
    # One line; when not, the message shows what else was said (a fresh clone's run once had more, under load).
    assert len(said.splitlines()) == 1, said
    [line] = said.splitlines()
    assert line == (
        f"feedgate: stopped by {stop.name}: {STARTED_AS[command]} did not start: it was still preparing its database "
        "(a SQLite schema upgrade is one transaction, done whole or not at all); start it again"
    )
