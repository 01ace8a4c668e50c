"""`feedgate serve --workers 2` whose parent is killed outright: its workers stop and free the port.

uvicorn's workers outlived such a parent and kept the port, so the `serve` a process manager started
in its place was refused it ("Address already in use"), and a worker that died then was never replaced.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
from cli_run import running
from scale_processes import GatewayProcess

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def children(pid: int) -> list[int]:
    """The pids of the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_workers_of_a_serve_killed_outright_stop_and_free_its_port(deployment_env: dict[str, str], workdir: Path):
    gateway = GatewayProcess.serve("parent-killed", deployment_env, workdir, "--workers", "2")
    workers: list[int] = []
    try:
        gateway.wait_ready()
        workers = [pid for pid in children(gateway.pid) if running(pid)]

        os.kill(gateway.pid, signal.SIGKILL)
        gateway.process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)

        assert not [pid for pid in workers if running(pid)], gateway.output()[-4000:]
        assert port_is_free(gateway.port)
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        gateway.stop()
