"""`python -m gateway.demo.fake_upstream` stops on SIGTERM (a benchmark's or a container's stop) with calls in flight.

uvicorn waits for every open call before it stops: one to a `hang`, `stall` or `gated` model never ends, so
SIGTERM left the process running (only a second signal ended it) and a benchmark's teardown waited on it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.ports import free_port

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("model", ["hang", "stall", "gated"])
def test_sigterm_stops_the_command_with_a_call_in_flight(model: str):
    port = free_port()
    command = [sys.executable, "-m", "gateway.demo.fake_upstream", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/v1/models")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline and process.poll() is None
                    time.sleep(0.05)
            in_flight = threading.Thread(target=_call, args=(port, model), daemon=True)
            in_flight.start()
            time.sleep(0.5)  # the call is in the server's hands
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        said = process.stdout.read().decode() if process.stdout else ""

    assert status == 0, said
    assert "Traceback" not in said, said


def _call(port: int, model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    try:
        with httpx.stream("POST", f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=30) as answer:
            for _ in answer.iter_bytes():
                pass
    except (OSError, httpx.HTTPError):
        pass  # the server went away: what the stop does to a call in flight
