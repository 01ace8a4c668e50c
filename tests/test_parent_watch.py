"""A `serve --workers N` worker stops once the process that started it is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_run import running

from gateway.serve_workers import ARGUMENTS_ENV, SERVE_PID_ENV, ServeArguments

# The watched process: it watches the parent it was started by, and would otherwise sleep a minute.
WATCHED = (
    "import os, time\n"
    "from gateway.parent_watch import watch_parent\n"
    "watch_parent(os.getppid(), interval=0.05)\n"
    "time.sleep(60)\n"
)
# Its parent: starts it, says its pid, and waits (until killed).
PARENT = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {WATCHED!r}])\n"
    "print(child.pid, flush=True)\n"
    "child.wait()\n"
)


def test_a_worker_whose_parent_is_killed_outright_stops_itself():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    watched = int(parent.stdout.readline())
    try:
        time.sleep(0.3)
        assert running(watched)

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while running(watched) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not running(watched)
    finally:
        if running(watched):
            os.kill(watched, signal.SIGKILL)


def test_a_worker_whose_parent_lives_keeps_running():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    watched = int(parent.stdout.readline())
    try:
        time.sleep(0.5)  # ten polls

        assert running(watched)
    finally:
        os.kill(watched, signal.SIGKILL)
        parent.wait()


# A worker built after its `serve` is gone: uvicorn spawns workers, and one slow to import builds its app
# (and starts watching) only after a `kill -9` of the parent may already have reparented it.
LATE_WORKER = "import time\nfrom gateway.serve_workers import worker_app\nworker_app()\ntime.sleep(60)\n"


def test_a_worker_built_after_its_serve_was_killed_stops_itself(tmp_path: Path):
    gone = subprocess.Popen(["true"])
    gone.wait()  # the `serve` that started the worker: no process has its pid now
    arguments = ServeArguments(None, {"database_url": f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"})
    env = {**os.environ, ARGUMENTS_ENV: arguments.to_json(), SERVE_PID_ENV: str(gone.pid)}
    env["FEEDGATE_SPOOL_PATH"] = str(tmp_path / "spool.jsonl")
    worker = subprocess.Popen([sys.executable, "-c", LATE_WORKER], env=env, stderr=subprocess.PIPE, text=True)
    try:
        returncode = worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert returncode == -signal.SIGTERM
