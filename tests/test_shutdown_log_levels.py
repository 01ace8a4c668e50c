"""A designed shutdown logs no error: calls cut short at the shutdown timeout are a warning of the gateway's own.

uvicorn logs "Cancel 1 running task(s), timeout graceful shutdown exceeded" at ERROR when SIGTERM finds calls still
running past `timeout_graceful_shutdown`: an operator's error-level alert went off on every deploy that cut a call
short, though the gateway stops, answers and stores such calls by design (and warns of each itself).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_run import FEEDGATE, free_port

pytestmark = pytest.mark.timeout(120)


def serve(tmp_path: Path, upstream_url: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.update(
        {
            "FEEDGATE_UPSTREAM_URL": upstream_url,
            "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/feedgate.db",
            "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
            "FEEDGATE_SHUTDOWN_TIMEOUT": "0.5",
            "FEEDGATE_LOG_FORMAT": "json",
        }
    )
    process = subprocess.Popen(
        [*FEEDGATE, "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health/live")
            return process, port
        except httpx.ConnectError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "feedgate serve did not start"
            time.sleep(0.2)


def test_calls_cut_short_by_sigterm_log_a_warning_and_no_error(tmp_path: Path, fake_upstream):
    process, port = serve(tmp_path, fake_upstream.url)
    answers: list[httpx.Response] = []

    def call() -> None:
        answers.append(
            httpx.post(
                f"http://127.0.0.1:{port}/v1/chat/completions",
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
                headers={"x-fake-delay": "10"},
                timeout=30,
            )
        )

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(1.0)  # the call waits for its upstream
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    caller.join(timeout=30)

    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert answers and answers[0].status_code == 503
    assert [line for line in lines if line["level"] in ("error", "critical")] == [], stderr
    [cut] = [line for line in lines if "timeout graceful shutdown" in line["message"] or "cut short" in line["message"]]
    assert cut["level"] == "warning"
    assert cut["logger"].startswith("feedgate")
    assert "1 request(s) still running" in cut["message"]
