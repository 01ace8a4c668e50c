"""The load-and-faults benchmark's text summary (the JSON report holds everything; this says what matters)."""

from __future__ import annotations

from typing import Any


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _latency(latency: dict[str, Any]) -> str:
    return (
        f"p50 {_ms(latency['p50_ms'])} ms, p99 {_ms(latency['p99_ms'])} ms, max {_ms(latency['max_ms'])} ms"
        f" (client at most {_ms(latency['client_max_lag_ms'])} ms late)"
    )


def _checks(checks: dict[str, bool]) -> list[str]:
    return [f"  [{'PASS' if passed else 'FAIL'}] {name}" for name, passed in checks.items()]


def _stored(stored: dict[str, Any]) -> str:
    line = (
        f"  stored: {stored['stored_unique_ids']:,} of {stored['answered']:,} answered requests"
        f" (missing {stored['missing']}, extra {stored['extra']}, duplicates {stored['duplicates']};"
        f" {stored['no_answer']} without an answer), all in within {stored['drain_s']:.1f} s of the traffic's end"
    )
    if stored["missing_examples"]:
        line += f"\n  missing, e.g. {', '.join(stored['missing_examples'])}"
    return line


def _writer(metrics: dict[str, float]) -> str:
    database = metrics.get('feedgate_writer_rows_total{destination="database"}', 0)
    spool = metrics.get('feedgate_writer_rows_total{destination="spool"}', 0)
    replays = metrics.get('feedgate_writer_spool_replays_total{outcome="completed"}', 0)
    failed = metrics.get('feedgate_writer_spool_replays_total{outcome="failed"}', 0)
    replayed = metrics.get("feedgate_writer_spool_replayed_rows_total", 0)
    return (
        f"  writer (this gateway process): {database:,.0f} rows to the database, {spool:,.0f} to the spool;"
        f" {replays:.0f} replay(s) completed ({replayed:,.0f} rows), {failed:.0f} attempt(s) while the database was away"
    )


def _readiness(states: list[tuple[float, str]]) -> str:
    return "  /readyz: " + " -> ".join(f"{at:.0f} s {state}" for at, state in states)


def _load(name: str, phase: dict[str, Any]) -> list[str]:
    lines = [
        f"## {name}: {phase['seconds']:g} s at {phase['rate']:g} req/s, half streaming ({phase['sent']:,} requests)",
        f"  latency from due time: {_latency(phase['latency'])}; at most {phase['max_in_flight']} in flight",
    ]
    for kind, numbers in phase["by_kind"].items():
        statuses = ", ".join(f"{status}: {count:,}" for status, count in numbers["statuses"].items())
        lines.append(
            f"    {kind}: {statuses}; whole {numbers['whole']:,}; p50 {_ms(numbers['p50_ms'])} ms, p99 {_ms(numbers['p99_ms'])} ms"
        )
    lines.append(f"  failed (not 200 + whole answer): {phase['failed']}")
    lines.extend(f"    e.g. {example}" for example in phase["failed_examples"])
    outage = phase.get("outage")
    if outage:
        lines.append(
            f"  outage: PostgreSQL stopped at {outage['stop_at_s']:.1f} s (pg_ctl took {outage['stop_took_s']:.1f} s),"
            f" started at {outage['start_at_s']:.1f} s, accepting connections at {outage['up_at_s']:.1f} s"
        )
        for window, numbers in phase["windows"].items():
            lines.append(
                f"    {window:>6}: {numbers['requests']:>6,} requests, {numbers['failed']} failed,"
                f" p50 {_ms(numbers['p50_ms'])} ms, p99 {_ms(numbers['p99_ms'])} ms, max {_ms(numbers['max_ms'])} ms"
            )
    timeline = phase["timeline"]
    if timeline:
        step = timeline[1]["from_s"] - timeline[0]["from_s"] if len(timeline) > 1 else 0
        lines.append(f"  p99 ms per {step:g} s: " + " ".join(_ms(part["p99_ms"]) for part in timeline))
    lines.append(_readiness(phase["readiness"]))
    lines.append(_stored(phase["stored"]))
    lines.append(_writer(phase["metrics"]))
    cpu = phase["cpu"]
    lines.append(
        f"  CPU during the traffic: gateway {cpu['gateway_core_pct']:.1f} % of a core"
        f" ({cpu['gateway_ms_per_request']:.2f} ms/request), fake upstream {cpu['upstream_core_pct']:.1f} %,"
        f" load client {cpu['client_core_pct']:.1f} %"
    )
    rss = phase["rss"]
    if "growth_pct" in rss:
        verdict = "met" if phase["rss_aim_met"] else "NOT met"
        lines.append(
            f"  gateway RSS: {rss['after_warmup_mb']:.1f} MB after {rss['warmup_s']:g} s of warm-up,"
            f" {rss['end_mb']:.1f} MB at the end (peak {rss['peak_mb']:.1f}): {rss['growth_pct']:+.1f} %"
            f" (aim under 10 %: {verdict}; {rss['samples']} samples)"
        )
    else:
        lines.append(f"  gateway RSS: {rss.get('note')}")
    return lines + _checks(phase["checks"])


def _sigkill(phase: dict[str, Any]) -> list[str]:
    stored = phase["stored"]
    return [
        f"## sigkill: {phase['sent']:,} requests with PostgreSQL down, then kill -9 of the gateway",
        f"  latency from due time: {_latency(phase['latency'])}; failed: {phase['failed']}",
        f"  spool at the kill: {phase['spool_rows_at_kill']:,} rows (all there {phase['spool_wait_s']:.1f} s after the"
        f" last answer); /readyz then: {phase['readiness_at_kill']}",
        f"  gateway restarted in {phase['restart_s']:.1f} s; {stored['stored_unique_ids']:,} of {stored['answered']:,}"
        f" stored within {stored['drain_s']:.1f} s (missing {stored['missing']}, duplicates {stored['duplicates']},"
        f" extra {stored['extra']}); spool rows left: {phase['spool_rows_after']}; /readyz: {phase['readiness_after']}",
        _writer(phase["metrics_after_restart"]).replace("this gateway process", "the restarted process"),
        *_checks(phase["checks"]),
    ]


def _upstream(phase: dict[str, Any]) -> list[str]:
    lines = [
        f"## upstream faults: {phase['sent']:,} requests, {phase['fault_share'] * 100:.0f} % of them faults",
        "  kind                            sent  client got                  as expected (client / row)  p50 ms",
    ]
    for kind, numbers in phase["by_kind"].items():
        expected = phase["expectations"][kind]
        statuses = ", ".join(f"{status}: {count}" for status, count in numbers["statuses"].items())
        if numbers["whole"] < numbers["requests"]:
            statuses += f" ({numbers['requests'] - numbers['whole']} cut short)"
        lines.append(
            f"  {kind:<30} {expected['sent']:>5}  {statuses:<27} {expected['client_as_expected']:>6} / "
            f"{expected['row_as_expected']:<6}{'':>14}{_ms(numbers['p50_ms']):>7}"
        )
        lines.extend(f"      mismatch: {mismatch}" for mismatch in expected["mismatches"])
    for kind, row in phase["row_examples"].items():
        error = (row["error"] or "")[:90]
        lines.append(f"  stored {kind}: status {row['status_code']}, partial {row['partial']}, error {error!r}")
    lines.append(_stored(phase["stored"]))
    return lines + _checks(phase["checks"])


def summary_text(report: dict[str, Any]) -> str:
    """The report as plain text: one section per phase, each ending with its checks."""
    machine = report["machine"]
    lines = [
        f"# Feedgate under load and faults: run {report['run_id']}, {report['wall_s']:.0f} s,"
        f" {machine.get('cpus', '?')} CPUs, load average {report['load_average_before'][0]:.2f} before,"
        f" {report['load_average_after'][0]:.2f} after (1 min)",
        "",
    ]
    for name, phase in report["phases"].items():
        if name.startswith("load"):
            lines += _load(name, phase)
        elif name == "sigkill":
            lines += _sigkill(phase)
        else:
            lines += _upstream(phase)
        lines.append("")
    lines.append(f"gateway: started in {report['gateway_start_s']:.1f} s; log lines: {report['gateway_log']}")
    lines.append("ALL CHECKS PASSED" if report["passed"] else "SOME CHECKS FAILED")
    return "\n".join(lines)
