"""`feedgate worker` stops on SIGTERM (a process manager's stop) as on Ctrl-C: a pass under way lets go of its lock.

Killed by SIGTERM's default action, a worker in the middle of a pass left the clustering lock's row on SQLite,
so no pass, prune or erasure could run until it expired (`cluster_lock_ttl`, 2 hours).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

FEEDGATE = [sys.executable, "-m", "gateway.cli"]

pytestmark = pytest.mark.timeout(240)


def held_locks(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM clustering_locks")]


def test_sigterm_during_a_pass_stops_the_worker_and_releases_the_clustering_lock(
    tmp_path: Path, silent_embeddings: socket.socket
):
    database = tmp_path / "w.db"
    history = tmp_path / "history.jsonl"
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    line = {"id": "imp-1", "app": "support", "request": request, "feedback": [{"thumbs": "down", "comment": "wrong"}]}
    history.write_bytes(orjson.dumps(line) + b"\n")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")},
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "FEEDGATE_EMBEDDING_URL": f"http://127.0.0.1:{silent_embeddings.getsockname()[1]}/v1",
        # A local endpoint wanting no key: named, so OPENAI_API_KEY is not sent to it (an empty value is unset).
        "FEEDGATE_EMBEDDING_API_KEY_ENV": "NO_EMBEDDING_KEY",
        "FEEDGATE_LOG_FORMAT": "text",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run([*FEEDGATE, "import", str(history)], env=env, cwd=tmp_path, check=True, capture_output=True)
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [*FEEDGATE, "worker", "--interval", "3600"], env=env, cwd=tmp_path, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 120
            while not held_locks(database):  # the pass has taken its lock and waits for its embeddings
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"the pass never took its lock:\n{log.read_text()}"
                time.sleep(0.2)

            worker.send_signal(signal.SIGTERM)
            # The lock goes at once, while the embedding call in flight, on a thread, still waits for its answer.
            deadline = time.monotonic() + 20
            while held_locks(database):
                assert worker.poll() in (None, 0), log.read_text()
                assert time.monotonic() < deadline, f"the lock was still held 20 s after SIGTERM:\n{log.read_text()}"
                time.sleep(0.2)
            # The process ends once that call does (here: refused once the endpoint is gone).
            silent_embeddings.close()
            returncode = worker.wait(timeout=90)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert returncode == 0, log.read_text()
    assert "stopping: SIGTERM received" in log.read_text()
    assert "Traceback" not in log.read_text()
