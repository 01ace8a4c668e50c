"""Where the gateway's time goes during benchmarks/proxy_latency.py: event-loop lag and py-spy profiles.

- `--loop-lag`: the gateway samples its own loop (gateway.observability.loop_lag, setting
  `loop_lag_file`); `lag_window` reads the samples of one measured run: how late a 1 ms timer
  woke (p50/p99/max; for the lags over 10 ms, the share the loop's thread spent on the CPU
  rather than waiting for the GIL or a core), and every garbage collection in the window
  (count, generation 2 count, total wall and CPU time, longest pause).
- `--py-spy`: `py-spy record --gil` samples the gateway (100 Hz, every thread, only samples of
  the thread holding the GIL, line numbers off) during each measured c32 run; `hot_frames` sums
  the raw stacks per thread: the share of the window the thread held the GIL (ran Python, or C
  called from Python that keeps the GIL, such as uvloop's socket writes), and the functions most
  often on its stack (inclusive) and on top of it (self). A garbage collection shows as
  whichever frame allocated when it started.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from gateway.observability.loop_lag import percentiles, read_samples

PY_SPY_RATE = 100  # samples a second
# Where the event loop's time goes: each sample of the main thread counts for the category of its
# innermost frame that matches one (first match in this order), else "event loop, other".
LOOP_CATEGORIES = (
    ("GC (seen only with --loop-lag: py-spy shows a collection under its gc callback)", ("LagRecorder.on_gc",)),
    ("loop-lag sampler", ("sample_loop_lag",)),
    ("writer: SQLAlchemy insert on the loop", ("sqlalchemy/", "gateway/store/")),
    ("logging", ("logging/__init__", "gateway/observability/logs")),
    ("metrics", ("prometheus_client/", "gateway/observability/metrics", "gateway/observability/request_metrics")),
    ("upstream: aiohttp client", ("aiohttp/", "yarl/", "multidict/")),
    ("Feedgate's own proxy code", ("gateway/",)),
    ("uvicorn: HTTP parsing, writes to the client", ("uvicorn/protocols",)),
)


def lag_window(path: Path, start: float, end: float, wait: float = 3.0) -> dict[str, Any]:
    """The loop lag and GC pauses the gateway recorded between monotonic `start` and `end`."""
    deadline = time.monotonic() + wait
    while read_samples(path).last_at < end and time.monotonic() < deadline:
        time.sleep(0.1)  # the sampler appends about once a second
    samples = read_samples(path, start, end)
    lag = percentiles(samples.lags_ms)
    long = [(ms, cpu) for ms, cpu in zip(samples.lags_ms, samples.lag_cpu_ms, strict=True) if ms > 10]
    long_ms = sum(ms for ms, _ in long)
    pauses = [ms for _, ms, _ in samples.gc_pauses]
    return {
        "samples": len(samples.lags_ms),
        "p50_ms": round(lag.get("p50", float("nan")), 2),
        "p99_ms": round(lag.get("p99", float("nan")), 2),
        "max_ms": round(lag.get("max", float("nan")), 2),
        "over_10ms": len(long),
        "over_10ms_total_ms": round(long_ms, 1),
        # How much of those long lags the loop's thread spent on the CPU (its own work); the
        # rest it waited, for the GIL (another thread's Python) or for a core (the OS).
        "over_10ms_cpu_share": round(sum(cpu for _, cpu in long) / long_ms, 3) if long_ms else None,
        "gc_count": len(pauses),
        "gc_gen2": sum(1 for generation, _, _ in samples.gc_pauses if generation == 2),
        "gc_total_ms": round(sum(pauses), 1),
        "gc_cpu_ms": round(sum(cpu for _, _, cpu in samples.gc_pauses), 1),
        "gc_max_ms": round(max(pauses, default=0.0), 2),
    }


def find_py_spy() -> str:
    """The py-spy command, next to this Python or on PATH."""
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        sys.exit("--py-spy needs py-spy: `.venv/bin/pip install py-spy`")
    return found


def start_py_spy(py_spy: str, pid: int, seconds: int, output: Path) -> subprocess.Popen[bytes]:
    """Record `pid` for `seconds` into `output` (py-spy's raw collapsed stacks)."""
    command = [
        py_spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(PY_SPY_RATE),
        "--format", "raw", "--threads", "--gil", "--nolineno", "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish_py_spy(process: subprocess.Popen[bytes]) -> None:
    """Wait for py-spy to write its file; warn (do not fail the benchmark) if it could not."""
    try:
        _, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    if process.returncode:
        print(f"\n  py-spy failed (exit {process.returncode}): {errors.decode(errors='replace')[-500:]}", flush=True)


def hot_frames(raw: Path, seconds: float, top: int = 12) -> list[str]:
    """Markdown lines: per thread, its share of the window holding the GIL and its most frequent frames."""
    per_thread: dict[str, Counter[str]] = {}
    leaves: dict[str, Counter[str]] = {}
    samples: Counter[str] = Counter()
    main_thread: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        thread, *frames = stack.split(";")
        samples[thread] += count
        inclusive = per_thread.setdefault(thread, Counter())
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            leaves.setdefault(thread, Counter())[frames[-1]] += count
        if "MainThread" in thread:
            main_thread[category(frames)] += count
    lines = []
    if main_thread:
        main = next((thread for thread in samples if "MainThread" in thread), None)
        if main is not None:
            shares = ", ".join(f"{name} {count / samples[main]:.0%}" for name, count in main_thread.most_common())
            lines += ["", f"The event loop's GIL time by category: {shares}."]
    for thread, total in samples.most_common():
        busy = total / (seconds * PY_SPY_RATE)  # py-spy's --gil keeps only the GIL holder's samples
        lines += ["", f"{thread}: {total} samples, holding the GIL {busy:.0%} of the window", ""]
        lines += ["| Inclusive | Frame | | Self | Frame |", "|---|---|---|---|---|"]
        tops = per_thread[thread].most_common(top)
        selfs = leaves.get(thread, Counter()).most_common(top)
        for index in range(max(len(tops), len(selfs))):
            left = tops[index] if index < len(tops) else None
            right = selfs[index] if index < len(selfs) else None
            lines.append(
                (f"| {left[1] / total:.0%} | `{left[0]}` " if left else "| | ")
                + (f"| | {right[1] / total:.0%} | `{right[0]}` |" if right else "| | | |")
            )
    return lines


def category(frames: list[str]) -> str:
    """The `LOOP_CATEGORIES` name of a stack (leaf last): its innermost frame that matches one."""
    for frame in reversed(frames):
        for name, markers in LOOP_CATEGORIES:
            if any(marker in frame for marker in markers):
                return name
    return "event loop, other"
