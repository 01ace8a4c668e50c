"""A `feedgate serve` or `feedgate worker` stopped once it runs (SIGTERM, Ctrl-C) shuts down cleanly and exits 0.

systemd, Docker and Kubernetes read the exit status: a one-process `serve` exited 143 after a clean shutdown on
SIGTERM (uvicorn raises the signal again once it has shut down), where `serve --workers 2` and `worker` exit 0,
so a normal stop of the gateway read as a failure. A non-zero status is kept for a stop before it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_run import FEEDGATE, free_port

pytestmark = pytest.mark.timeout(180)


def environment(tmp_path: Path) -> dict[str, str]:
    """A SQLite database and spool in `tmp_path`, plain-text logs, no FEEDGATE_ variable of the test run's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env | {
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/feedgate.db",
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }


def stopped(process: subprocess.Popen[bytes], stop: signal.Signals, log: Path) -> int:
    """The exit status of `process` stopped by `stop` (60 s at most)."""
    process.send_signal(stop)
    try:
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("workers", "stop"),
    [(1, signal.SIGTERM), (1, signal.SIGINT), (2, signal.SIGTERM)],
    ids=["one_process-sigterm", "one_process-ctrl_c", "two_processes-sigterm"],
)
def test_serve_stopped_while_it_serves_exits_0(tmp_path: Path, workers: int, stop: signal.Signals):
    port = free_port()
    log = tmp_path / "serve.log"
    command = [*FEEDGATE, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=environment(tmp_path), cwd=tmp_path, stdout=output, stderr=output)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"serve did not start:\n{log.read_text()}"
        time.sleep(0.2)

    assert stopped(process, stop, log) == 0, log.read_text()
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl_c"])
def test_worker_stopped_while_it_runs_exits_0(tmp_path: Path, stop: signal.Signals):
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*FEEDGATE, "worker", "--interval", "3600"],
            env=environment(tmp_path),
            cwd=tmp_path,
            stdout=output,
            stderr=output,
        )
    deadline = time.monotonic() + 90
    while "clustering every 3600 s" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the worker did not start:\n{log.read_text()}"
        time.sleep(0.2)

    assert stopped(process, stop, log) == 0, log.read_text()
    assert "Traceback" not in log.read_text()
