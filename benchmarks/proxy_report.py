"""The proxy benchmark's report: machine facts and Markdown tables of its runs."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from proxy_runs import CONCURRENCY, PATH, TARGETS, Results, Run


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


def added(run: Run, direct: Run) -> str:
    """`run`'s p50 / p99 minus direct's, signed; a dash when no request completed (wrk's zeros)."""
    if not run.requests or not direct.requests:
        return DASH
    return f"{run.p50_ms - direct.p50_ms:+.2f} / {run.p99_ms - direct.p99_ms:+.2f}"


LABELS = {"direct": "direct", "floor": "floor", "litellm": "LiteLLM", "baseline": "baseline", "gateway": "Feedgate"}
DASH = "—"


def pick(results: Results, target: str, concurrency: int, stream: bool) -> Run | None:
    """The measured run of `target` in one scenario, if there is one."""
    return next(
        (r for r in results.runs if r.target == target and r.concurrency == concurrency and r.stream == stream), None
    )


def markdown(results: Results) -> str:
    m, s = results.machine, results.settings
    present = [t for t in TARGETS if any(r.target == t for r in results.runs)]
    proxies = ", ".join(LABELS[t] for t in present if t != "direct")
    litellm = f" LiteLLM {s['litellm_version']} (own venv, one worker, offline)." if "litellm_version" in s else ""
    lines = [
        f"Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), Linux {m['kernel']}, Python {m['python']}, "
        f"{m['wrk']}. wrk, the fake upstream and the proxy under test share these cores "
        f"(1-min load average {m['loadavg_1min_at_start']:.2f} before the run, "
        f"{m.get('loadavg_1min_at_end', float('nan')):.2f} at the end, this benchmark included).",
        f"Each run: {s['warmup_s']} s warm-up then {s['duration_s']} s measured; c1 = `wrk -t1 -c1`, "
        f"c32 = `wrk -t2 -c32`; POST {PATH}, gpt-4o-mini, 2 messages ({s['body_bytes']} B; "
        f"stream body {s['stream_body_bytes']} B); proxies: {proxies}; gateway logging into {s['database']}.{litellm}",
        "Latency = request written to full response read (for streams: to the last SSE event).",
    ]
    if s.get("loop_lag") or s.get("py_spy"):
        lines.append(
            "The gateway ran with "
            + " and ".join(
                x
                for x, on in (("its loop-lag sampler", s.get("loop_lag")), ("py-spy attached at c32", s.get("py_spy")))
                if on
            )
            + ": its rows carry that extra work."
        )
    lines += [
        "",
        "| Scenario | Row | p50 / p99 (ms) | Added p50 / p99 vs direct (ms) | req/s | CPU / req (ms) "
        "| Stored | Non-2xx / socket errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for concurrency in CONCURRENCY:
        for stream in (False, True):
            direct = pick(results, "direct", concurrency, stream)
            name = f"c{concurrency}, {'stream' if stream else 'non-stream'}"
            for target in present:
                run = pick(results, target, concurrency, stream)
                if run is None:
                    continue
                over_direct = added(run, direct) if direct is not None and target != "direct" else DASH
                latency = f"{fmt(run.p50_ms)} / {fmt(run.p99_ms)}" if run.requests else "none completed"
                stored = DASH if run.stored is None else f"{run.stored:,} / {run.sent:,}"
                lines.append(
                    f"| {name} | {LABELS[target]} | {latency} | {over_direct} | {run.rps:,.0f} "
                    f"| {DASH if run.cpu_ms_per_request is None else fmt(run.cpu_ms_per_request, 3)} | {stored} "
                    f"| {run.non_2xx} / {run.socket_errors} |"
                )
    if "baseline" in present:
        lines += ["", *baseline_comparison(results)]
    if "floor" in present:
        lines += ["", *aims_table(results)]
    if any(r.loop_lag for r in results.runs):
        lines += ["", *loop_lag_table(results), "", *loop_thread_table(results)]
    if s.get("gateway_loaded_embedding_model"):
        lines += [
            "",
            f"NOTE: the gateway loaded its embedding model {s['gateway_loaded_embedding_model']} (the anomalous "
            "review rule found the benchmark's app busy and embeds its traffic in the background): the gateway "
            "runs from then on carry that work and a larger heap for the garbage collector to walk.",
        ]
    for name, profile in results.profiles.items():
        lines += ["", f"py-spy on the {name} run (100 Hz, samples of the thread holding the GIL):", *profile]
    c = results.check
    lines += [
        "",
        f"Stored interactions: {c['stored_total']:,} of {c['sent_total']:,} requests sent to the gateway "
        f"({c['completed_total']:,} completed within wrk's measuring windows, the rest were in flight when wrk "
        f"stopped; warm-ups and {c['sanity']} sanity requests included) — "
        + ("every interaction logged." if c["ok"] else "MISMATCH, see per-run counts.")
        + f" Rows spooled to disk instead of the database: {c['spool_lines']}. The floor and LiteLLM store nothing.",
    ]
    return "\n".join(lines)


# (key, what is compared, the aim, the aim's bound, True when the measure is a ratio)
AIMS = (
    ("cpu_ratio_c32", "CPU / req at c32 ÷ the floor's", "≤ 1.5×", 1.5, True),
    ("added_p50_c1_ms", "p50 at c1 − the floor's", "≤ +0.05 ms", 0.05, False),
    ("p99_ratio_c32", "p99 at c32 ÷ the floor's", "≤ 2×", 2.0, True),
)


def aims(results: Results) -> dict[str, Any]:
    """The three aims against the floor, for the gateway (and LiteLLM, when run), non-stream and stream."""
    found: dict[str, Any] = {}
    for target in ("gateway", "litellm"):
        for stream in (False, True):
            floor1, floor32 = pick(results, "floor", 1, stream), pick(results, "floor", 32, stream)
            run1, run32 = pick(results, target, 1, stream), pick(results, target, 32, stream)
            if None in (floor1, floor32, run1, run32):
                continue
            assert floor1 and floor32 and run1 and run32  # for the type checker
            # A run in which no request completed has no latency (wrk reports zeros).
            values = {
                "cpu_ratio_c32": ratio(run32.cpu_ms_per_request, floor32.cpu_ms_per_request),
                "added_p50_c1_ms": round(run1.p50_ms - floor1.p50_ms, 3) if run1.requests and floor1.requests else None,
                "p99_ratio_c32": ratio(run32.p99_ms, floor32.p99_ms) if run32.requests and floor32.requests else None,
            }
            met = {key: (value := values[key]) is not None and value <= bound for key, _, _, bound, _ in AIMS}
            found.setdefault(target, {})["stream" if stream else "non-stream"] = {**values, "met": met}
    return found


def ratio(value: float | None, floor: float | None) -> float | None:
    return None if value is None or not floor else round(value / floor, 2)


def aims_table(results: Results) -> list[str]:
    """Markdown: each aim, the gateway's (and LiteLLM's) value in this run, and whether it is met."""
    computed = aims(results)
    columns = [(t, k) for t in ("gateway", "litellm") if t in computed for k in ("non-stream", "stream")]
    lines = [
        "Against the floor (same run): the aims are Feedgate's"
        + ("; LiteLLM is measured the same way, for scale." if "litellm" in computed else "."),
        "",
        "| Measure | Aim | " + " | ".join(f"{LABELS[t]} {k}" for t, k in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for key, label, aim, _, is_ratio in AIMS:
        cells = []
        for target, kind in columns:
            value = computed[target][kind][key]
            shown = DASH if value is None else (f"{value:.2f}×" if is_ratio else f"{value:+.2f} ms")
            cells.append(f"{shown} ({'met' if computed[target][kind]['met'][key] else 'not met'})")
        lines.append(f"| {label} | {aim} | " + " | ".join(cells) + " |")
    return lines


def loop_thread_table(results: Results) -> list[str]:
    """Markdown: each proxy's main (event-loop) thread during each run, as shares of wrk's window."""
    lines = [
        "Each proxy's event-loop thread during the run (/proc schedstat): on a CPU, runnable but waiting for a "
        "core, and neither (idle in epoll, or waiting for the GIL held by another thread):",
        "",
        "| Run | On CPU | Waiting for a core | Idle or waiting for the GIL |",
        "|---|---|---|---|",
    ]
    for run in results.runs:
        if run.loop_thread:
            shares = run.loop_thread
            lines.append(
                f"| {LABELS[run.target]} c{run.concurrency} {'stream' if run.stream else 'non-stream'} "
                f"| {shares['cpu']:.0%} | {shares['runqueue']:.0%} | {shares['blocked']:.0%} |"
            )
    return lines


def loop_lag_table(results: Results) -> list[str]:
    """Markdown: the gateway's event-loop lag and GC pauses during each measured run (--loop-lag)."""
    lines = [
        "The gateway's event loop during each run (a 1 ms timer's lateness; 'loop on CPU': the share of the long"
        " lags its thread was running rather than waiting for the GIL or a core; GC = gc.callbacks start to stop):",
        "",
        "| Run | Lag samples | Lag p50 / p99 / max (ms) | Lags > 10 ms: count, total ms, loop on CPU "
        "| GC runs (gen 2) | GC total wall / CPU / longest (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for run in results.runs:
        if run.loop_lag:
            lag = run.loop_lag
            share = lag.get("over_10ms_cpu_share")
            lines.append(
                f"| c{run.concurrency} {'stream' if run.stream else 'non-stream'} | {lag['samples']:,} "
                f"| {fmt(lag['p50_ms'])} / {fmt(lag['p99_ms'])} / {fmt(lag['max_ms'])} "
                f"| {lag['over_10ms']}, {fmt(lag['over_10ms_total_ms'], 1)}, {DASH if share is None else f'{share:.0%}'} "
                f"| {lag['gc_count']} ({lag['gc_gen2']}) "
                f"| {fmt(lag['gc_total_ms'], 1)} / {fmt(lag['gc_cpu_ms'], 1)} / {fmt(lag['gc_max_ms'])} |"
            )
    return lines


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
            direct, baseline, gateway = (
                pick(results, t, concurrency, stream) for t in ("direct", "baseline", "gateway")
            )
            if direct is None or baseline is None or gateway is None:
                continue
            name = f"c{concurrency}, {'stream' if stream else 'non-stream'}"
            lines.append(
                f"| {name} "
                f"| {added(baseline, direct)} | {added(gateway, direct)} "
                f"| {baseline.rps:,.0f} | {gateway.rps:,.0f} "
                f"| {fmt(baseline.cpu_ms_per_request, 3)} | {fmt(gateway.cpu_ms_per_request, 3)} |"
            )
    return lines


def details(results: Results) -> str:
    lines = [
        "| Run | req sent | req done | req/s | p50 | p90 | p99 | p99.9 | max (ms) "
        "| proxy CPU ms/req (run only) | proxy CPU ms/req (+ drain) | upstream CPU ms/req | stored | drain s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.runs:
        lines.append(
            f"| {r.target} c{r.concurrency} {'stream' if r.stream else 'json'} | {r.sent:,} | {r.requests:,} | {r.rps:,.0f} "
            f"| {fmt(r.p50_ms)} | {fmt(r.p90_ms)} | {fmt(r.p99_ms)} | {fmt(r.p999_ms)} | {fmt(r.max_ms)} "
            f"| {fmt(r.cpu_ms_per_request_run, 3)} | {fmt(r.cpu_ms_per_request, 3)} | {fmt(r.upstream_cpu_ms_per_request, 3)} "
            f"| {DASH if r.stored is None else f'{r.stored:,}'} | {fmt(r.drain_s)} |"
        )
    return "\n".join(lines)
