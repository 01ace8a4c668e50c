"""The phases of the load-and-faults benchmark: steady load (with a database outage in it), SIGKILL, upstream faults.

Each phase tags its requests with its own `x-feedgate-user`, so the stored interactions of one
phase are counted apart from the others', and returns a JSON-ready dict with a `checks` entry:
check name -> passed. `load_faults.py` runs them and prints the report.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from load_traffic import KINDS, Outcome, Traffic, by_kind, latency_summary, open_loop, with_faults
from load_watch import (
    Gateway,
    Store,
    Watch,
    metrics,
    readiness,
    rss_growth,
    spool_ids,
    wait_for_spool,
    wait_until_storing,
)
from pg_instance import PrivatePostgres
from proxy_runs import cpu_seconds

# How long after the traffic the stored rows may take to appear (a replay after an outage included).
DRAIN_TIMEOUT_S = 120.0


@dataclass
class Plan:
    """What to run and how hard (from the command line)."""

    rate: float
    load_s: float
    outage_at_s: float
    outage_s: float
    sigkill_s: float
    upstream_s: float
    fault_every: int
    warmup_s: float
    rss_every_s: float


@dataclass
class Context:
    """The running pieces every phase uses."""

    run_id: str
    pg: PrivatePostgres
    gateway: Gateway
    upstream_pid: int
    store: Store
    spool: Path
    session: aiohttp.ClientSession

    def tag(self, phase: str) -> str:
        """The end-user tag of one phase's requests."""
        return f"lf-{self.run_id}-{phase}"


async def _stored_check(ctx: Context, tag: str, traffic: Traffic) -> dict[str, Any]:
    """Wait for the answered requests' rows, then compare ids: none missing, none extra, none twice."""
    answered = {o.interaction_id for o in traffic.outcomes if o.answered and o.interaction_id}
    stored, waited = await ctx.store.wait_for(tag, len(answered), DRAIN_TIMEOUT_S)
    unique = set(stored)
    return {
        "answered": len(answered),
        "no_answer": sum(not o.answered for o in traffic.outcomes),
        "stored_rows": len(stored),
        "stored_unique_ids": len(unique),
        "missing": len(answered - unique),
        "extra": len(unique - answered),
        "duplicates": len(stored) - len(unique),
        "drain_s": round(waited, 2),
        "missing_examples": sorted(answered - unique)[:3],
    }


def _cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return float("nan")


async def load_phase(ctx: Context, plan: Plan, with_outage: bool) -> dict[str, Any]:
    """Steady 50/50 streaming and JSON traffic; with the outage, PostgreSQL is stopped and started in the middle."""
    tag = ctx.tag("load")
    watch = Watch(time.monotonic())
    watch.begin(ctx.session, ctx.gateway, plan.rss_every_s)
    outage = asyncio.create_task(_outage(ctx, plan, watch)) if with_outage else None
    gateway_cpu, upstream_cpu, client_cpu = _cpu(ctx.gateway.pid), _cpu(ctx.upstream_pid), time.process_time()
    traffic = await open_loop(ctx.session, ctx.gateway.url, rate=plan.rate, seconds=plan.load_s, tag=tag)
    elapsed = watch.now()
    cpu = {
        "gateway_core_pct": round((_cpu(ctx.gateway.pid) - gateway_cpu) * 100 / elapsed, 1),
        "gateway_ms_per_request": round((_cpu(ctx.gateway.pid) - gateway_cpu) * 1000 / max(1, traffic.planned), 3),
        "upstream_core_pct": round((_cpu(ctx.upstream_pid) - upstream_cpu) * 100 / elapsed, 1),
        "client_core_pct": round((time.process_time() - client_cpu) * 100 / elapsed, 1),
    }
    timeline = await outage if outage is not None else None
    stored = await _stored_check(ctx, tag, traffic)
    state = await wait_until_storing(ctx.session, ctx.gateway.url)
    await watch.end()
    failed = [o for o in traffic.outcomes if not o.ok]
    result: dict[str, Any] = {
        "tag": tag,
        "rate": plan.rate,
        "seconds": plan.load_s,
        "sent": traffic.planned,
        "max_in_flight": traffic.max_in_flight,
        "latency": latency_summary(traffic.outcomes),
        "by_kind": by_kind(traffic.outcomes),
        "timeline": _timeline(traffic.outcomes, bucket_s=5.0 if plan.load_s <= 120 else 30.0),
        "failed": len(failed),
        "failed_examples": [_brief(o) for o in failed[:5]],
        "stored": stored,
        "cpu": cpu,
        "rss": rss_growth(watch.rss, plan.warmup_s),
        "rss_samples": watch.rss,
        "readiness": watch.readiness,
        "readiness_after_drain": state,
        "metrics": await metrics(ctx.session, ctx.gateway.url),
    }
    checks = {
        "every request answered 200 with a whole answer": not failed,
        "every answered request stored": stored["missing"] == 0,
        "no interaction stored twice or unasked": stored["duplicates"] == 0 and stored["extra"] == 0,
        "writer storing (spool empty) at the end": state == "200 ready (writer storing)",
    }
    if timeline is not None:
        result["outage"] = timeline
        result["windows"] = _windows(traffic.outcomes, timeline)
        spooled = result["metrics"].get('feedgate_writer_rows_total{destination="spool"}', 0)
        checks["rows went to the spool during the outage"] = spooled > 0
        checks["the spool was replayed"] = result["metrics"].get("feedgate_writer_spool_replayed_rows_total", 0) > 0
        checks["/readyz said spooling (200) while the database was down"] = any(
            "spooling" in state and state.startswith("200") for _, state in watch.readiness
        )
    growth = result["rss"].get("growth_pct")
    result["rss_aim_met"] = growth is not None and growth < 10
    result["checks"] = checks
    return result


async def _outage(ctx: Context, plan: Plan, watch: Watch) -> dict[str, float]:
    """Stop PostgreSQL at `outage_at_s` for `outage_s` seconds; the timeline, seconds after the phase started."""
    await asyncio.sleep(max(0.0, plan.outage_at_s - watch.now()))
    timeline = {"stop_at_s": round(watch.now(), 2)}
    timeline["stop_took_s"] = round(await asyncio.to_thread(ctx.pg.stop, "fast"), 2)
    await asyncio.sleep(max(0.0, timeline["stop_at_s"] + plan.outage_s - watch.now()))
    timeline["start_at_s"] = round(watch.now(), 2)
    timeline["start_took_s"] = round(await asyncio.to_thread(ctx.pg.start), 2)
    timeline["up_at_s"] = round(watch.now(), 2)
    return timeline


def _windows(outcomes: list[Outcome], timeline: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Latency and failures before, during and after the outage (by each request's due time)."""
    down, up = timeline["stop_at_s"], timeline["up_at_s"]
    parts = {
        "before": [o for o in outcomes if o.due_s < down],
        "during": [o for o in outcomes if down <= o.due_s < up],
        "after": [o for o in outcomes if o.due_s >= up],
    }
    return {name: {**latency_summary(part), "failed": sum(not o.ok for o in part)} for name, part in parts.items()}


def _timeline(outcomes: list[Outcome], bucket_s: float) -> list[dict[str, Any]]:
    """Latency and failures per `bucket_s` seconds of due time: where in the run things got slow."""
    buckets: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        buckets.setdefault(int(outcome.due_s // bucket_s), []).append(outcome)
    return [
        {"from_s": index * bucket_s, **latency_summary(part), "failed": sum(not o.ok for o in part)}
        for index, part in sorted(buckets.items())
    ]


async def sigkill_phase(ctx: Context, plan: Plan) -> dict[str, Any]:
    """Database down, traffic, SIGKILL the gateway, database up, gateway again: the spool is replayed, once."""
    tag = ctx.tag("sigkill")
    before = await wait_until_storing(ctx.session, ctx.gateway.url)
    leftover = await asyncio.to_thread(spool_ids, ctx.spool)
    await asyncio.to_thread(ctx.pg.stop, "fast")
    traffic = await open_loop(ctx.session, ctx.gateway.url, rate=plan.rate, seconds=plan.sigkill_s, tag=tag)
    answered = {o.interaction_id for o in traffic.outcomes if o.answered and o.interaction_id}
    # The writer spools every 0.2 s; a SIGKILL before that loses what it still holds in memory,
    # which no spool can save. Wait until the spool has them all, and say how long that took.
    spooled, spool_wait = await wait_for_spool(ctx.spool, answered | set(leftover), timeout=15.0)
    state_at_kill = await readiness(ctx.session, ctx.gateway.url)
    killed_pid = ctx.gateway.pid
    ctx.gateway.kill()
    await asyncio.to_thread(ctx.pg.start)
    restart_s = await asyncio.to_thread(ctx.gateway.start)
    stored = await _stored_check(ctx, tag, traffic)
    after = await wait_until_storing(ctx.session, ctx.gateway.url)
    left = await asyncio.to_thread(spool_ids, ctx.spool)
    replayed_metrics = await metrics(ctx.session, ctx.gateway.url)
    failed = [o for o in traffic.outcomes if not o.ok]
    spooled_tagged = answered & set(spooled)
    checks = {
        "every request answered 200 with a whole answer (database down)": not failed,
        "every answered request was in the spool at the kill": spooled_tagged == answered,
        "every spooled interaction stored after the restart": stored["missing"] == 0,
        "none stored twice or unasked": stored["duplicates"] == 0 and stored["extra"] == 0,
        "spool empty and writer storing after the replay": not left and after == "200 ready (writer storing)",
    }
    return {
        "tag": tag,
        "readiness_before": before,
        "spool_rows_before": len(leftover),
        "sent": traffic.planned,
        "latency": latency_summary(traffic.outcomes),
        "failed": len(failed),
        "failed_examples": [_brief(o) for o in failed[:5]],
        "spool_rows_at_kill": len(spooled),
        "spool_wait_s": round(spool_wait, 2),
        "readiness_at_kill": state_at_kill,
        "killed_pid": killed_pid,
        "restart_s": round(restart_s, 2),
        "stored": stored,
        "spool_rows_after": len(left),
        "readiness_after": after,
        "metrics_after_restart": replayed_metrics,
        "checks": checks,
    }


async def upstream_phase(ctx: Context, plan: Plan) -> dict[str, Any]:
    """Steady traffic where every `fault_every`-th request meets an upstream fault; statuses and rows as expected."""
    tag = ctx.tag("upstream")
    choose = with_faults(plan.fault_every)
    traffic = await open_loop(
        ctx.session, ctx.gateway.url, rate=plan.rate, seconds=plan.upstream_s, tag=tag, choose=choose
    )
    stored = await _stored_check(ctx, tag, traffic)
    rows = await ctx.store.rows(tag)
    tally: dict[str, dict[str, Any]] = {}
    for outcome in traffic.outcomes:
        kind = KINDS[outcome.kind]
        entry = tally.setdefault(
            kind.name, {"sent": 0, "client_as_expected": 0, "row_as_expected": 0, "mismatches": []}
        )
        entry["sent"] += 1
        client_ok = outcome.status == kind.status and outcome.whole == kind.whole
        if not kind.whole:
            client_ok = client_ok and outcome.events >= 1  # a truncated stream: something, then the cut
        row = rows.get(outcome.interaction_id or "")
        row_ok = (
            row is not None
            and row["status_code"] == kind.expected_row_status
            and row["partial"] == kind.row_partial
            and (row["error"] is not None) == kind.row_error
        )
        entry["client_as_expected"] += client_ok
        entry["row_as_expected"] += row_ok
        if not (client_ok and row_ok) and len(entry["mismatches"]) < 3:
            shown = None if row is None else {k: row[k] for k in ("status_code", "partial", "error")}
            entry["mismatches"].append({**_brief(outcome), "row": shown})
    examples = {}
    for outcome in traffic.outcomes:
        row = rows.get(outcome.interaction_id or "")
        if outcome.kind not in examples and row is not None and KINDS[outcome.kind].row_error:
            examples[outcome.kind] = {k: row[k] for k in ("status_code", "partial", "error", "response_text")}
    checks = {
        "clients got the expected status / truncation for every request": all(
            e["client_as_expected"] == e["sent"] for e in tally.values()
        ),
        "every stored row has the expected status, partial flag and error": all(
            e["row_as_expected"] == e["sent"] for e in tally.values()
        ),
        "every answered request stored, none twice": stored["missing"] == 0 and stored["duplicates"] == 0,
    }
    return {
        "tag": tag,
        "sent": traffic.planned,
        "fault_share": round(1 / plan.fault_every, 3),
        "by_kind": by_kind(traffic.outcomes),
        "expectations": tally,
        "stored": stored,
        "row_examples": examples,
        "checks": checks,
    }


def _brief(outcome: Outcome) -> dict[str, Any]:
    return {
        "kind": outcome.kind,
        "due_s": round(outcome.due_s, 2),
        "status": outcome.status,
        "whole": outcome.whole,
        "events": outcome.events,
        "error": outcome.error,
        "interaction_id": outcome.interaction_id,
    }
