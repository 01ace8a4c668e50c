"""`feedgate` commands as real processes: started with an environment, waited for, stopped, their logs kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ports import free_port

FEEDGATE = [sys.executable, "-m", "gateway.cli"]
ADMIN_TOKEN = "scale-admin-token"
# How often each gateway process looks for changed fixes (the setting the cache test relies on).
REFRESH_SECONDS = 0.5
# The fake upstream's embedding models: one answers at once, the other waits for `app.release()`.
EMBEDDING_MODEL = "fake-embedding"
GATED_EMBEDDING_MODEL = "gated-embedding"
# Processes import the whole gateway (and clustering's libraries) on a shared 2-core machine.
START_TIMEOUT = 90.0


@dataclass
class FeedgateProcess:
    """One running `feedgate …` command; its stdout and stderr go to `log`."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    terminated: bool = False

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], workdir: Path) -> FeedgateProcess:
        """Start `feedgate <args>` in `workdir` with `env` added to this process's environment."""
        log = workdir / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*FEEDGATE, *args], cwd=workdir, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
            )
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(errors="replace")

    def assert_running(self) -> None:
        assert self.process.poll() is None, f"{self.name} exited ({self.process.returncode}):\n{self.output()[-4000:]}"

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until it has printed `text`."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            self.assert_running()
            assert time.monotonic() < deadline, f"{self.name} never printed {text!r}:\n{self.output()[-4000:]}"
            time.sleep(0.1)

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM) without waiting: stopping several at once is quicker."""
        if self.process.poll() is None and not self.terminated:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def stop(self) -> int:
        """SIGTERM (a gateway flushes its writer), then SIGKILL if it lingers; the exit code."""
        self.terminate()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@dataclass
class GatewayProcess(FeedgateProcess):
    """A `feedgate serve` process listening on `port`."""

    port: int = 0

    @classmethod
    def serve(cls, name: str, env: dict[str, str], workdir: Path, *extra: str) -> GatewayProcess:
        """Start `feedgate serve` on a free port."""
        port = free_port()
        started = FeedgateProcess.start(name, ["serve", "--port", str(port), *extra], env, workdir)
        return cls(started.name, started.process, started.log, port=port)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The base_url an app would use."""
        return self.origin + "/v1"

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until /readyz answers 200 (the database answers, the schema is current)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.origin}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            self.assert_running()
            assert time.monotonic() < deadline, f"{self.name} was not ready in time:\n{self.output()[-4000:]}"
            time.sleep(0.2)

    def admin(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """A call to the admin API with the admin token."""
        headers = {"authorization": f"Bearer {ADMIN_TOKEN}"}
        return httpx.request(method, f"{self.origin}{path}", headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]
