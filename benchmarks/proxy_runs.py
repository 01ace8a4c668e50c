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
# The rows of one scenario, in the order they run (back to back) and are reported.
TARGETS = ("direct", "floor", "litellm", "baseline", "gateway")


@dataclass
class Run:
    """One measured wrk run."""

    target: str  # "direct" | "floor" | "litellm" | "baseline" | "gateway"
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
    # Proxies only (not direct): the proxy's CPU time per request sent, until its writer has stored
    # the run's rows (gateways; the floor and LiteLLM store nothing, so both figures are the same)
    cpu_ms_per_request: float | None = None
    cpu_ms_per_request_run: float | None = None  # the same until wrk ended (rows may still be queued)
    upstream_cpu_ms_per_request: float | None = None
    stored: int | None = None  # gateways only: rows in the database with this run's tag
    drain_s: float | None = None  # gateways only: time after wrk ended until every row was stored
    # With --loop-lag, the gateway only: its event loop's lag (p50/p99/max ms) and GC pauses in the window
    loop_lag: dict[str, Any] | None = None
    # Proxies: shares of wrk's window their main (event-loop) thread spent on a CPU, waiting for one
    # (runnable, in the kernel's run queue), and neither (idle in epoll, or waiting for the GIL)
    loop_thread: dict[str, float] | None = None


@dataclass
class Results:
    machine: dict[str, Any]
    settings: dict[str, Any]
    runs: list[Run] = field(default_factory=list)
    warmups: list[Run] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, list[str]] = field(default_factory=dict)  # --py-spy: Markdown lines per profiled run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


def schedstat(pid: int) -> tuple[float, float]:
    """Seconds the main thread of `pid` has run on a CPU, and waited runnable for one (/proc/.../schedstat)."""
    fields = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(fields[0]) / 1e9, int(fields[1]) / 1e9


def thread_shares(before: tuple[float, float], after: tuple[float, float], seconds: float) -> dict[str, float]:
    """`schedstat` deltas over `seconds` of wall time as shares: on a CPU, waiting for one, neither."""
    cpu, runqueue = (after[0] - before[0]) / seconds, (after[1] - before[1]) / seconds
    return {"cpu": round(cpu, 3), "runqueue": round(runqueue, 3), "blocked": round(max(0.0, 1 - cpu - runqueue), 3)}


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process, its live descendants and its reaped children (for servers that fork)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            child = int(entry.name)
            # fields[1] is ppid (field 4); cutime and cstime (16, 17) count children already waited for.
            parents[child] = int(fields[1])
            times[child] = sum(int(value) for value in fields[11:15]) / CLK_TCK
    total, frontier = 0.0, [pid]
    while frontier:
        current = frontier.pop()
        total += times.get(current, 0.0)
        frontier.extend(child for child, parent in parents.items() if parent == current)
    return total


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
            numbers: dict[str, Any] = json.loads(line.removeprefix("FEEDGATE_WRK "))
            return numbers
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
