"""Running the proxy benchmark's pieces: processes on free ports, their CPU time, and wrk."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
PATH = "/v1/chat/completions"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# (label, wrk threads, connections)
CONCURRENCY = {1: (1, 1), 32: (2, 32)}


@dataclass
class Run:
    """One measured wrk run."""

    target: str  # "direct" | "baseline" | "gateway"
    concurrency: int
    stream: bool
    tag: str
    requests: int  # completed, as wrk counts them
    sent: int  # written by wrk (includes the ones in flight at the end)
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int  # wrk's "Non-2xx or 3xx responses" (status > 399)
    socket_errors: int  # connect + read + write + timeout
    cpu_ms_per_request: float | None = None  # gateway only, until the writer has stored the run's rows
    cpu_ms_per_request_run: float | None = None  # gateway only, until wrk ended (rows may still be queued)
    upstream_cpu_ms_per_request: float | None = None
    stored: int | None = None  # gateway only: rows in the database with this run's tag
    drain_s: float | None = None  # gateway only: time after wrk ended until every row was stored


@dataclass
class Results:
    machine: dict[str, Any]
    settings: dict[str, Any]
    runs: list[Run] = field(default_factory=list)
    warmups: list[Run] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited with code {process.returncode} before listening; its log:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    sys.exit(f"{name} did not listen on port {port} within {timeout:.0f} s; its log:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes] | None, graceful: bool = True) -> None:
    if process is None or process.poll() is not None:
        return
    if graceful:
        process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly (lifespan: writer flushes)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
            return
    process.kill()
    process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" closing comm: fields[0] is state (field 3), so utime (14) and stime (15) are 11 and 12.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install -y wrk` (Debian/Ubuntu package `wrk`) and retry.")
    print("wrk not found: installing it with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=False, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("apt-get install wrk succeeded but wrk is still not on PATH")
    return wrk


def run_wrk(wrk: str, url: str, concurrency: int, seconds: int, body: bytes, tag: str) -> dict[str, Any]:
    threads, connections = CONCURRENCY[concurrency]
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(LUA_SCRIPT), url, "--", body.decode(), tag,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("FEEDGATE_WRK "):
            return json.loads(line.removeprefix("FEEDGATE_WRK "))
    sys.exit(f"wrk failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


def to_run(target: str, concurrency: int, stream: bool, tag: str, raw: dict[str, Any]) -> Run:
    duration = raw["duration_us"] / 1e6
    return Run(
        target=target,
        concurrency=concurrency,
        stream=stream,
        tag=tag,
        requests=raw["requests"],
        sent=raw["sent"],
        duration_s=round(duration, 3),
        rps=round(raw["requests"] / duration, 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        p999_ms=raw["p999_us"] / 1000,
        mean_ms=round(raw["mean_us"] / 1000, 3),
        max_ms=raw["max_us"] / 1000,
        non_2xx=raw["status_errors"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
    )
