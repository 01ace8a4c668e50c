"""`feedgate worker` and `feedgate cluster` log as `serve` does: FEEDGATE_LOG_FORMAT and FEEDGATE_LOG_LEVEL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

FEEDGATE = [sys.executable, "-m", "gateway.cli"]

pytestmark = pytest.mark.timeout(180)


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_worker_until(tmp_path: Path, marker: str, **env: str) -> list[str]:
    """`feedgate worker` against a new SQLite file until its output shows `marker`; its output's lines."""
    log = tmp_path / "worker.log"
    environment = {
        **os.environ,
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/w.db",
        # So a worker that does not stop can be asked where it is (SIGABRT prints every thread's stack).
        "PYTHONFAULTHANDLER": "1",
        **env,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("w") as output:
        process = subprocess.Popen(
            [*FEEDGATE, "worker", "--interval", "3600"],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=output,
            # Ctrl-C stops the worker even when this suite runs in the background (nohup, `&`), whose
            # children inherit SIGINT ignored.
            preexec_fn=_interruptible,
        )
        try:
            deadline = time.monotonic() + 120
            while marker not in log.read_text():
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"the worker never wrote {marker!r}"
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)
                process.wait(timeout=30)
                pytest.fail(
                    f"the worker did not stop within 60 s of Ctrl-C; its output and threads:\n{log.read_text()}"
                )
    return log.read_text().splitlines()


def test_worker_writes_its_log_lines_as_json_when_told(tmp_path: Path):
    # Stopped once its first pass is done (the migrations' lines are all written by then). Stopped in
    # the middle of its migrations on a loaded CI host, it once had not exited 30 s later (not
    # reproduced here in 30 tries, loaded or not); if it recurs, the failure prints its threads.
    lines = run_worker_until(tmp_path, "Clustering pass", FEEDGATE_LOG_FORMAT="json", FEEDGATE_LOG_LEVEL="info")

    about_migrations = [line for line in lines if "alembic" in line]
    assert about_migrations
    entries = [orjson.loads(line) for line in about_migrations]
    assert all(entry["logger"] == "alembic.runtime.migration" and entry["level"] == "info" for entry in entries)


def test_worker_leaves_out_lines_below_the_log_level(tmp_path: Path):
    # The first pass's table (on stdout) is printed once the schema is up to date.
    lines = run_worker_until(tmp_path, "Clustering pass", FEEDGATE_LOG_FORMAT="json", FEEDGATE_LOG_LEVEL="warning")

    assert not [line for line in lines if "Running upgrade" in line]


def test_cluster_writes_its_log_lines_as_json_when_told(tmp_path: Path):
    environment = {
        **os.environ,
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db",
        "FEEDGATE_LOG_FORMAT": "json",
        "FEEDGATE_LOG_LEVEL": "info",
    }
    done = subprocess.run(
        [*FEEDGATE, "cluster"], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    about_migrations = [line for line in done.stderr.splitlines() if "alembic" in line]
    assert about_migrations
    assert all(orjson.loads(line)["logger"] == "alembic.runtime.migration" for line in about_migrations)
