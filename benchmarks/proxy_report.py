"""The proxy benchmark's report: machine facts and Markdown tables of its runs."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from proxy_runs import CONCURRENCY, PATH, Results


def machine_facts() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return {
        "cores": os.cpu_count(),
        "affinity_cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": " ".join(wrk_version.split()[:2]),
        # Other work on the box skews everything: quote the load average with the numbers.
        "loadavg_1min_at_start": os.getloadavg()[0],
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(results: Results) -> str:
    m, s = results.machine, results.settings
    lines = [
        f"Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), Linux {m['kernel']}, Python {m['python']}, "
        f"{m['wrk']}. wrk, the fake upstream and the gateway share these cores "
        f"(1-min load average {m['loadavg_1min_at_start']:.2f} before the run, "
        f"{m.get('loadavg_1min_at_end', float('nan')):.2f} at the end, this benchmark included).",
        f"Each run: {s['warmup_s']} s warm-up then {s['duration_s']} s measured; c1 = `wrk -t1 -c1`, "
        f"c32 = `wrk -t2 -c32`; POST {PATH}, gpt-4o-mini, 2 messages ({s['body_bytes']} B; "
        f"stream body {s['stream_body_bytes']} B); gateway logging into {s['database']}.",
        "Latency = request written to full response read (for streams: to the last SSE event).",
        "",
        "| Scenario | Direct p50 / p99 (ms) | Gateway p50 / p99 (ms) | Added p50 / p99 (ms) "
        "| Direct req/s | Gateway req/s | Gateway CPU / req (ms) | Non-2xx / socket errors (direct, gateway) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for concurrency in CONCURRENCY:
        for stream in (False, True):
            direct = next(
                r for r in results.runs if r.target == "direct" and r.concurrency == concurrency and r.stream == stream
            )
            gateway = next(
                r for r in results.runs if r.target == "gateway" and r.concurrency == concurrency and r.stream == stream
            )
            name = f"c{concurrency}, {'stream' if stream else 'non-stream'}"
            lines.append(
                f"| {name} "
                f"| {fmt(direct.p50_ms)} / {fmt(direct.p99_ms)} "
                f"| {fmt(gateway.p50_ms)} / {fmt(gateway.p99_ms)} "
                f"| +{fmt(gateway.p50_ms - direct.p50_ms)} / +{fmt(gateway.p99_ms - direct.p99_ms)} "
                f"| {direct.rps:,.0f} | {gateway.rps:,.0f} "
                f"| {fmt(gateway.cpu_ms_per_request, 3)} "
                f"| {direct.non_2xx}/{direct.socket_errors}, {gateway.non_2xx}/{gateway.socket_errors} |"
            )
    if any(r.target == "baseline" for r in results.runs):
        lines += ["", *baseline_comparison(results)]
    c = results.check
    lines += [
        "",
        f"Stored interactions: {c['stored_total']:,} of {c['sent_total']:,} requests sent to the gateway "
        f"({c['completed_total']:,} completed within wrk's measuring windows, the rest were in flight when wrk "
        f"stopped; warm-ups and {c['sanity']} sanity requests included) — "
        + ("every interaction logged." if c["ok"] else "MISMATCH, see per-run counts.")
        + f" Rows spooled to disk instead of the database: {c['spool_lines']}.",
    ]
    return "\n".join(lines)


def baseline_comparison(results: Results) -> list[str]:
    """This tree's gateway beside the baseline revision's, scenario by scenario, from the same run."""
    revision = results.settings.get("baseline")
    lines = [
        f"This tree against `{revision}` (the baseline gateway, same run, same upstream, its own SQLite file):",
        "",
        "| Scenario | Baseline added p50 / p99 (ms) | This tree added p50 / p99 (ms) "
        "| Baseline req/s | This tree req/s | Baseline CPU / req (ms) | This tree CPU / req (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for concurrency in CONCURRENCY:
        for stream in (False, True):

            def pick(target: str, concurrency: int = concurrency, stream: bool = stream) -> Any:
                return next(
                    r
                    for r in results.runs
                    if r.target == target and r.concurrency == concurrency and r.stream == stream
                )

            direct, baseline, gateway = pick("direct"), pick("baseline"), pick("gateway")
            name = f"c{concurrency}, {'stream' if stream else 'non-stream'}"
            lines.append(
                f"| {name} "
                f"| +{fmt(baseline.p50_ms - direct.p50_ms)} / +{fmt(baseline.p99_ms - direct.p99_ms)} "
                f"| +{fmt(gateway.p50_ms - direct.p50_ms)} / +{fmt(gateway.p99_ms - direct.p99_ms)} "
                f"| {baseline.rps:,.0f} | {gateway.rps:,.0f} "
                f"| {fmt(baseline.cpu_ms_per_request, 3)} | {fmt(gateway.cpu_ms_per_request, 3)} |"
            )
    return lines


def details(results: Results) -> str:
    lines = [
        "| Run | req sent | req done | req/s | p50 | p90 | p99 | p99.9 | max (ms) "
        "| gw CPU ms/req (run only) | gw CPU ms/req (+ drain) | upstream CPU ms/req | stored | drain s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.runs:
        lines.append(
            f"| {r.target} c{r.concurrency} {'stream' if r.stream else 'json'} | {r.sent:,} | {r.requests:,} | {r.rps:,.0f} "
            f"| {fmt(r.p50_ms)} | {fmt(r.p90_ms)} | {fmt(r.p99_ms)} | {fmt(r.p999_ms)} | {fmt(r.max_ms)} "
            f"| {fmt(r.cpu_ms_per_request_run, 3)} | {fmt(r.cpu_ms_per_request, 3)} | {fmt(r.upstream_cpu_ms_per_request, 3)} "
            f"| {'–' if r.stored is None else f'{r.stored:,}'} | {fmt(r.drain_s)} |"
        )
    return "\n".join(lines)
