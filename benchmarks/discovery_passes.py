"""Issue discovery as the product runs it: import, a cold pass, and re-runs after 1% new items.

Unlike cluster_quality.py, which times the pure pipeline, this goes through the
product's own path: `feedgate import` of a JSON Lines file into a real database, then
`run_clustering_pass` (load negative feedback, embed with the database cache, reduce
with the fit kept in the database, cluster, label, track, store issues). It reports:

- the cold pass over banking77's train.csv (~10k items; model load and embedding included),
  and how well the stored issues recover the 77 intents (V-measure, ARI, noise);
- a warm re-run after 1% new items in the same process (as `serve` or `feedgate worker` run it);
- a re-run after another 1% as a fresh `feedgate cluster` process (imports and model load included);
- how those 2 % of new items were assigned: by the incremental passes (both re-runs are incremental
  under the default `cluster_incremental_max_share`), then by a full re-run forced afterwards
  (`cluster_incremental_max_share=0`): how many joined an issue, how many of those joined one whose
  other members are mostly of their own intent, and where the full pass put what the incremental
  passes had assigned or left out (issue ids persist across passes, so they can be compared).

    .venv/bin/python benchmarks/discovery_passes.py [--database-url URL] [--items N] [--json results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from banking77 import DATA, read_banking  # noqa: E402

from clustering import SentenceTransformerEmbedder  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.discovery.job import AppRunSummary, run_clustering_pass  # noqa: E402
from gateway.imports.jsonl import import_jsonl  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.issues import IssueFilter, IssueStore  # noqa: E402
from gateway.store.migrate import upgrade_database  # noqa: E402

APP = "banking77"


def write_jsonl(path: Path, rows: list[tuple[str, str]], prefix: str) -> dict[str, str]:
    """Each (query, intent) as an interaction with a thumbs-down, in the import format; returns id -> intent."""
    truth = {}
    with path.open("wb") as file:
        for number, (text, intent) in enumerate(rows):
            interaction_id = f"{prefix}-{number:05d}"
            truth[interaction_id] = intent
            line = {
                "id": interaction_id,
                "app": APP,
                "created_at": datetime.now(UTC).isoformat(),
                "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
                "response": {
                    "id": f"chatcmpl-{interaction_id}",
                    "object": "chat.completion",
                    "model": "gpt-4o-mini",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Sorry."}}
                    ],
                },
                "feedback": [{"thumbs": "down"}],
            }
            file.write(orjson.dumps(line) + b"\n")
    return truth


async def import_file(database_url: str, path: Path) -> float:
    """Import `path`; its wall time in seconds."""
    engine = create_engine(database_url)
    try:
        start = time.perf_counter()
        report = await import_jsonl(engine, path, max_text_chars=10_000, batch_size=500)
        assert not report.errors, report.errors[:3]
        return time.perf_counter() - start
    finally:
        await engine.dispose()


async def timed_pass(
    database_url: str, embedder: SentenceTransformerEmbedder, settings: Settings | None = None
) -> tuple[AppRunSummary, float, dict[str, float]]:
    """One in-process pass over the app; its summary, wall time, and seconds per step.

    The steps are the pass's progress marks: "loading", "embedding", "clustering", "tracking"
    for a full pass, "loading", "embedding", "assigning", "storing" for an incremental one, and
    "review" (the issue rule and the regression check after either).
    """
    engine = create_engine(database_url)
    marks: list[tuple[str, float]] = []

    def progress(step: str, _done: int, _total: int) -> None:
        # "app: embedding 1000 new items" -> "embedding": the step's words before any count.
        marks.append((re.split(r"\s*\d", step.split(": ", 1)[-1])[0], time.perf_counter()))

    try:
        start = time.perf_counter()
        summary = await run_clustering_pass(
            engine, settings or Settings(database_url=database_url), embedder, app=APP, progress=progress
        )
        seconds = time.perf_counter() - start
    finally:
        await engine.dispose()
    steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
    return summary.apps[0], seconds, steps


async def issue_quality(database_url: str, truth: dict[str, str]) -> dict[str, float]:
    """V-measure, ARI and noise share of the stored issues against the intents."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    engine = create_engine(database_url)
    try:
        store = IssueStore(engine)
        label_of: dict[str, int] = {}
        listed = await store.list(IssueFilter(app=APP), sort="size", limit=10_000)
        for number, issue in enumerate(listed):
            for member in (await store.get(issue["id"]))["member_ids"]:
                label_of[member] = number
    finally:
        await engine.dispose()
    ids = sorted(truth)
    labels = [label_of.get(i, -1) for i in ids]
    return {
        "v_measure": float(v_measure_score([truth[i] for i in ids], labels)),
        "ari": float(adjusted_rand_score([truth[i] for i in ids], labels)),
        "noise_share": sum(label == -1 for label in labels) / len(labels),
        "issues": len(listed),
    }


async def membership(database_url: str) -> dict[str, str]:
    """Interaction id -> the issue holding it, over the app's stored issues."""
    engine = create_engine(database_url)
    try:
        store = IssueStore(engine)
        issue_of: dict[str, str] = {}
        for issue in await store.list(IssueFilter(app=APP), sort="size", limit=10_000):
            for member in (await store.get(issue["id"]))["member_ids"]:
                issue_of[member] = issue["id"]
    finally:
        await engine.dispose()
    return issue_of


def intent_agreement(issue_of: dict[str, str], truth: dict[str, str], new_ids: list[str]) -> dict[str, float]:
    """How the `new_ids` were assigned: how many joined an issue, and how many of those joined one whose
    other members are mostly of the item's own intent (majority intent of the issue's members not in `new_ids`)."""
    from collections import Counter

    fresh = set(new_ids)
    intents: dict[str, Counter[str]] = {}
    for member, issue in issue_of.items():
        if member not in fresh and member in truth:
            intents.setdefault(issue, Counter())[truth[member]] += 1
    assigned = [key for key in new_ids if key in issue_of]
    agreeing = [key for key in assigned if (c := intents.get(issue_of[key])) and c.most_common(1)[0][0] == truth[key]]
    return {
        "new": len(new_ids),
        "assigned": len(assigned),
        "assigned_share": len(assigned) / max(len(new_ids), 1),
        "agreeing_share_of_assigned": len(agreeing) / max(len(assigned), 1),
    }


def compare_with_full(incremental: dict[str, str], full: dict[str, str], new_ids: list[str]) -> dict[str, int]:
    """Where a full pass put the items an incremental pass had assigned or left out (issue ids persist)."""
    outcome = {
        "same_issue": 0,
        "both_unassigned": 0,
        "left_out_then_joined": 0,
        "other_issue": 0,
        "assigned_then_noise": 0,
    }
    for key in new_ids:
        before, after = incremental.get(key), full.get(key)
        if before is None:
            outcome["both_unassigned" if after is None else "left_out_then_joined"] += 1
        elif after is None:
            outcome["assigned_then_noise"] += 1
        else:
            outcome["same_issue" if before == after else "other_issue"] += 1
    return outcome


def cli_pass(database_url: str) -> float:
    """`feedgate cluster --app banking77` as a fresh process; its wall time."""
    env = {**os.environ, "FEEDGATE_DATABASE_URL": database_url}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "cluster", "--app", APP],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"feedgate cluster failed:\n{done.stderr[-2000:]}")
    print(done.stdout, file=sys.stderr)
    return seconds


async def run(database_url: str, workdir: Path, items: int | None = None) -> dict:
    """The whole measurement on `database_url`."""
    await asyncio.to_thread(upgrade_database, database_url)
    train = list(zip(*read_banking(DATA / "train.csv"), strict=True))[:items]
    test = list(zip(*read_banking(DATA / "test.csv"), strict=True))
    extra = max(1, len(train) // 100)
    truth = write_jsonl(workdir / "train.jsonl", train, "train")
    new_truth = write_jsonl(workdir / "new1.jsonl", test[:extra], "new1")
    new_truth |= write_jsonl(workdir / "new2.jsonl", test[extra : 2 * extra], "new2")

    results: dict = {"items": len(train), "new_items_per_rerun": extra}
    results["import_seconds"] = await import_file(database_url, workdir / "train.jsonl")
    print(f"imported {len(train)} in {results['import_seconds']:.1f} s", file=sys.stderr)

    embedder = SentenceTransformerEmbedder()  # loads lazily: the cold pass pays for the model load
    cold, results["cold_seconds"], steps = await timed_pass(database_url, embedder)
    results["cold"] = {"clusters": cold.clusters, "noise": cold.noise, "reduction": cold.reduction, "steps": steps}
    results["quality"] = await issue_quality(database_url, truth)
    print(f"cold pass {results['cold_seconds']:.1f} s {results['cold']}: {results['quality']}", file=sys.stderr)

    await import_file(database_url, workdir / "new1.jsonl")
    warm, results["warm_rerun_seconds"], steps = await timed_pass(database_url, embedder)
    results["warm_rerun"] = {
        "kind": warm.kind,
        "new_items": warm.new_items,
        "assigned_items": warm.assigned_items,
        "new_issues": warm.new_issues,
        "ongoing": warm.continued_issues,
        "reduction": warm.reduction,
        "steps": steps,
    }
    print(f"warm re-run {results['warm_rerun_seconds']:.1f} s: {results['warm_rerun']}", file=sys.stderr)

    await import_file(database_url, workdir / "new2.jsonl")
    results["cli_rerun_seconds"] = await asyncio.to_thread(cli_pass, database_url)
    print(f"feedgate cluster re-run {results['cli_rerun_seconds']:.1f} s", file=sys.stderr)

    # The 2 % of new items as the incremental passes left them, then as a full pass puts them.
    new_ids = sorted(new_truth)
    incremental = await membership(database_url)
    results["incremental_assignments"] = intent_agreement(incremental, truth | new_truth, new_ids)
    full_settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    full, results["full_rerun_seconds"], steps = await timed_pass(database_url, embedder, full_settings)
    results["full_rerun"] = {"kind": full.kind, "reduction": full.reduction, "steps": steps}
    after_full = await membership(database_url)
    results["full_assignments"] = intent_agreement(after_full, truth | new_truth, new_ids)
    results["incremental_vs_full"] = compare_with_full(incremental, after_full, new_ids)
    print(f"incremental {results['incremental_assignments']}", file=sys.stderr)
    print(f"full re-run {results['full_rerun_seconds']:.1f} s: {results['full_assignments']}", file=sys.stderr)
    print(f"incremental vs full: {results['incremental_vs_full']}", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--items", type=int, help="only the first ITEMS of train.csv (a quick check; default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        results = asyncio.run(run(database_url, workdir, args.items))
    results["database"] = database_url.split(":", 1)[0]
    results["cpus"] = os.cpu_count()
    q = results["quality"]
    print(f"| Cold pass, {results['items']} items (model load + embedding) | {results['cold_seconds']:.1f} s |")
    print(
        f"| Issues found / V-measure / ARI / noise | {q['issues']} / {q['v_measure']:.3f} / {q['ari']:.3f} / {q['noise_share']:.1%} |"
    )
    print(
        f"| Warm re-run after {results['new_items_per_rerun']} new items (worker / serve) | {results['warm_rerun_seconds']:.1f} s |"
    )
    print(
        f"| Re-run after {results['new_items_per_rerun']} more as a fresh `feedgate cluster` process | {results['cli_rerun_seconds']:.1f} s |"
    )
    print(f"| The same 2 % forced through a full re-run (worker) | {results['full_rerun_seconds']:.1f} s |")
    inc, full = results["incremental_assignments"], results["full_assignments"]
    print(
        f"\nNew items assigned: incremental {inc['assigned']}/{inc['new']} "
        f"({inc['agreeing_share_of_assigned']:.0%} to an issue of their own intent), full pass {full['assigned']}/{full['new']} "
        f"({full['agreeing_share_of_assigned']:.0%}); incremental vs full: {results['incremental_vs_full']}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
