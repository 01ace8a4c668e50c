"""A busy app's week: one clustering pass over 100,000 negative items, then a re-run after 1 % new ones.

Banking77 has 13,083 distinct queries; a busy app's complaints also carry the user's comment,
so each item here is a real banking77 query (its intent is the true issue) with one of 40
comments (30 short generic ones, and 10 follow-ups that quote the query again), seeded, every
(query, comment) pair distinct: 100,000 distinct documents.

Embedding 100,000 documents with the bundled model in onnxruntime (the product's default; choose
with `--runtime`) took 239 s of two quiet cores, with sentence-transformers about twice that, and
far longer on a shared machine, so by default the cold pass finds its vectors in the embedding
cache, pre-filled in a separate process with stand-in vectors (each document's query vector
plus its comment's, normalised: see `composed_vectors`), and the embedding rate is measured on
the re-run, which embeds its 1 % of new documents for real. `--embed-all` embeds everything in
the cold pass instead.

The items are imported with `feedgate import` in a separate process (not timed, and its memory
is not counted); then one cold `run_clustering_pass` runs in this process, and after importing
1 % more, a warm re-run in the same process with the model loaded (as in a running
`feedgate worker`). Under the default settings that re-run is incremental (1 % is within
`cluster_incremental_max_share`): it embeds and places the new items and assigns them to the
existing issues; `--full-rerun` forces a full one instead. The re-run's time is split by the
pass's own steps, and the new items' assignments are scored against their intents. Peak memory
is this process's maximum resident set size; CPU time is reported beside wall time because
other work shares the two cores.

    .venv/bin/python benchmarks/large_pass.py [--items 100000] [--full-rerun] [--json results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from banking77 import DATA, read_banking  # noqa: E402
from discovery_passes import APP, intent_agreement, issue_quality, membership, timed_pass  # noqa: E402

from clustering import SentenceTransformerEmbedder  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.discovery.schedule import embedder_for  # noqa: E402
from gateway.store.migrate import upgrade_database  # noqa: E402

GENERIC = [
    "this is wrong",
    "not helpful",
    "that did not answer my question",
    "useless answer",
    "wrong again",
    "no",
    "this is not what I asked",
    "still broken",
    "you misunderstood me",
    "that's incorrect",
    "terrible",
    "I already tried that",
    "not true",
    "this makes no sense",
    "please fix this",
    "the answer is outdated",
    "too vague",
    "bad answer",
    "that is not right",
    "I need a real answer",
    "this didn't help at all",
    "wrong information",
    "completely off",
    "why is this so hard",
    "nothing works",
    "answer doesn't match my problem",
    "meh",
    "I asked something else",
    "try again",
    "disappointing",
]
FOLLOW_UPS = [
    "still wrong after I asked again:",
    "I asked twice:",
    "again, my question was:",
    "you ignored this:",
    "my actual problem:",
    "read it again:",
    "the real issue:",
    "to be clear:",
    "I said:",
    "not answered:",
]


COMMENT_SHAPES = len(GENERIC) + len(FOLLOW_UPS)


def comment_for(number: int, query: str) -> str:
    """One of 40 comment shapes: 30 generic ones, and 10 follow-ups that quote the query again."""
    if number < len(GENERIC):
        return GENERIC[number]
    return f"{FOLLOW_UPS[number - len(GENERIC)]} {query}"


def build_items(count: int, seed: int) -> list[tuple[str, str, str]]:
    """`count` distinct (query, comment, intent) triples, seeded."""
    train_texts, train_truth = read_banking(DATA / "train.csv")
    test_texts, test_truth = read_banking(DATA / "test.csv")
    texts, truth = train_texts + test_texts, train_truth + test_truth
    rng = np.random.default_rng(seed)
    seen: set[tuple[int, int]] = set()
    rows = []
    while len(rows) < count:
        pair = (int(rng.integers(len(texts))), int(rng.integers(COMMENT_SHAPES)))
        if pair in seen:
            continue
        seen.add(pair)
        rows.append((texts[pair[0]], comment_for(pair[1], texts[pair[0]]), truth[pair[0]]))
    return rows


def composed_vectors(rows: list[tuple[str, str, str]], cache_dir: Path) -> dict[str, np.ndarray]:
    """Content hash of each item's document -> a stand-in vector: its parts' real vectors summed and normalised.

    The query's vector comes from small_apps.py's kept banking77 embeddings; each of the 40
    comment shapes is embedded once (a follow-up's quoted query counts once more). Not the
    vector the model would give the whole document, but as clustered: near its query's
    intent, pulled a little towards its comment. It stands in so the cold pass can be timed
    without two hours of embedding on a shared 2-core machine; the embedding rate is
    measured on the re-run's 1 % of real new documents instead.
    """
    from small_apps import cached_embeddings, pooled_banking

    from clustering import FeedbackItem, build_document
    from clustering.embed import content_hash

    texts, _ = pooled_banking()
    query_vectors = dict(zip(texts, cached_embeddings(texts, cache_dir), strict=True))
    shapes = GENERIC + FOLLOW_UPS
    shape_vectors = dict(zip(shapes, SentenceTransformerEmbedder().embed(shapes), strict=True))
    vectors = {}
    for query, comment, _ in rows:
        shape = next(s for s in FOLLOW_UPS if comment.startswith(s)) if comment not in shape_vectors else comment
        vector = shape_vectors[shape] + query_vectors[query] * (2 if shape in FOLLOW_UPS else 1)
        document = build_document(FeedbackItem(interaction_id="", app=APP, user_message=query, comment=comment))
        vectors[content_hash(document)] = vector / np.linalg.norm(vector)
    return vectors


async def fill_cache(database_url: str, rows: list[tuple[str, str, str]], cache_dir: Path) -> None:
    """Store the composed vectors under the bundled model's name, as if the items had been embedded."""
    from gateway.store.embedding_cache import DatabaseEmbeddingCache
    from gateway.store.engine import create_engine

    engine = create_engine(database_url)
    try:
        await DatabaseEmbeddingCache(engine).put_many(
            SentenceTransformerEmbedder().model_name, composed_vectors(rows, cache_dir)
        )
    finally:
        await engine.dispose()


def write_jsonl(path: Path, rows: list[tuple[str, str, str]], prefix: str) -> dict[str, str]:
    """The triples as thumbs-down interactions with a comment, in the import format; returns id -> intent."""
    truth = {}
    now = datetime.now(UTC).isoformat()
    with path.open("wb") as file:
        for number, (query, comment, intent) in enumerate(rows):
            interaction_id = f"{prefix}-{number:06d}"
            truth[interaction_id] = intent
            line = {
                "id": interaction_id,
                "app": APP,
                "created_at": now,
                "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": query}]},
                "response": {
                    "id": f"chatcmpl-{interaction_id}",
                    "object": "chat.completion",
                    "model": "gpt-4o-mini",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Sorry."}}
                    ],
                },
                "feedback": [{"thumbs": "down", "comment": comment}],
            }
            file.write(orjson.dumps(line) + b"\n")
    return truth


def import_in_subprocess(database_url: str, path: Path) -> float:
    """`feedgate import` as its own process, so its memory does not count here; its wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "import", str(path)],
        env={"FEEDGATE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"feedgate import failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def peak_rss_gib() -> float:
    """This process's peak resident set size so far, in GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_seconds() -> float:
    """CPU time this process has used so far (user + system): steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fill_in_subprocess(database_url: str, count: int, seed: int, cache_dir: Path) -> float:
    """Pre-fill the embedding cache for the first `count` items in its own process; its wall time."""
    start = time.perf_counter()
    command = [
        sys.executable,
        __file__,
        "--fill-cache",
        database_url,
        "--items",
        str(count),
        "--seed",
        str(seed),
        "--cache-dir",
        str(cache_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"filling the cache failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


async def run(
    database_url: str,
    workdir: Path,
    count: int,
    seed: int,
    cache_dir: Path,
    embed_all: bool,
    full_rerun: bool,
    runtime: str = "onnxruntime",
) -> dict:
    """Import, cold pass, 1 % more, warm re-run; times, steps, CPU, memory and quality."""
    await asyncio.to_thread(upgrade_database, database_url)
    rows = build_items(count + count // 100, seed)
    truth = write_jsonl(workdir / "all.jsonl", rows[:count], "item")
    new_truth = write_jsonl(workdir / "new.jsonl", rows[count:], "new")
    results: dict = {"items": count, "new_items": count // 100, "embedded_cold": embed_all, "runtime": runtime}
    results["import_seconds"] = import_in_subprocess(database_url, workdir / "all.jsonl")
    print(f"imported {count} in {results['import_seconds']:.0f} s", file=sys.stderr)
    if not embed_all:
        results["fill_seconds"] = fill_in_subprocess(database_url, count, seed, cache_dir)
        print(f"cache filled in {results['fill_seconds']:.0f} s", file=sys.stderr)

    # The product's embedder for these settings; it loads lazily, so a cold pass that embeds pays for it.
    embedder = embedder_for(Settings(local_embedding_runtime=runtime), environ={})
    cpu = cpu_seconds()
    cold, results["cold_seconds"], results["cold_steps"] = await timed_pass(database_url, embedder)
    results["cold_cpu_seconds"] = cpu_seconds() - cpu
    results["cold_peak_rss_gib"] = peak_rss_gib()
    results["cold"] = {"clusters": cold.clusters, "noise": cold.noise, "reduction": cold.reduction}
    print(f"cold pass {results['cold_seconds']:.0f} s {results['cold_steps']}", file=sys.stderr)
    results["quality"] = await issue_quality(database_url, truth)
    print(f"quality {results['quality']}", file=sys.stderr)

    import_in_subprocess(database_url, workdir / "new.jsonl")
    # A running worker has its model loaded already.
    await asyncio.to_thread(embedder.embed, ["warm up"])
    # The product's default settings make this re-run incremental; --full-rerun forces a full one.
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0 if full_rerun else 0.05)
    cpu = cpu_seconds()
    warm, results["warm_rerun_seconds"], results["warm_steps"] = await timed_pass(database_url, embedder, settings)
    results["warm_cpu_seconds"] = cpu_seconds() - cpu
    results["warm"] = {
        "kind": warm.kind,
        "clusters": warm.clusters,
        "reduction": warm.reduction,
        "new_issues": warm.new_issues,
        "new_items": warm.new_items,
        "assigned_items": warm.assigned_items,
    }
    results["peak_rss_gib"] = peak_rss_gib()
    print(
        f"warm re-run {results['warm_rerun_seconds']:.1f} s {results['warm']} {results['warm_steps']}", file=sys.stderr
    )
    issue_of = await membership(database_url)
    results["new_item_assignments"] = intent_agreement(issue_of, truth | new_truth, sorted(new_truth))
    print(f"new items {results['new_item_assignments']}", file=sys.stderr)
    return results


def main() -> int:
    """Run once and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    parser.add_argument("--embed-all", action="store_true", help="embed every item in the cold pass (slow)")
    parser.add_argument("--full-rerun", action="store_true", help="force the re-run to be a full pass")
    parser.add_argument(
        "--runtime",
        choices=["onnxruntime", "sentence-transformers"],
        default="onnxruntime",
        help="how the bundled model runs (`local_embedding_runtime`; default: the product's default)",
    )
    parser.add_argument("--fill-cache", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill_cache:
        asyncio.run(fill_cache(args.fill_cache, build_items(args.items, args.seed), args.cache_dir))
        return 0
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        database_url = f"sqlite+aiosqlite:///{workdir / 'large.db'}"
        results = asyncio.run(
            run(
                database_url,
                workdir,
                args.items,
                args.seed,
                args.cache_dir,
                args.embed_all,
                args.full_rerun,
                args.runtime,
            )
        )
    q = results["quality"]
    cold_kind = (
        f"model load + embedding, {results['runtime']}"
        if results["embedded_cold"]
        else "vectors pre-filled, no embedding"
    )
    print("| Pass | Wall | CPU | Peak RSS | Steps (s) |\n|---|---:|---:|---:|---|")
    print(
        f"| Cold, {results['items']:,} items ({cold_kind}) | {results['cold_seconds']:.0f} s "
        f"| {results['cold_cpu_seconds']:.0f} s | {results['cold_peak_rss_gib']:.2f} GiB | {results['cold_steps']} |"
    )
    warm = results["warm"]
    print(
        f"| Warm re-run after {results['new_items']:,} new (embedded for real), {warm['kind']} "
        f"| {results['warm_rerun_seconds']:.1f} s | {results['warm_cpu_seconds']:.1f} s "
        f"| {results['peak_rss_gib']:.2f} GiB | {results['warm_steps']} |"
    )
    print(f"\nStored issues: {q['issues']}, V {q['v_measure']:.3f}, ARI {q['ari']:.3f}, noise {q['noise_share']:.1%}")
    new = results["new_item_assignments"]
    print(
        f"New items joining an issue in the re-run: {new['assigned']}/{new['new']}, "
        f"{new['agreeing_share_of_assigned']:.0%} of them to an issue whose members are mostly of their intent"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
