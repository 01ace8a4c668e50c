"""Merges people would make on small apps: the pass's issues, then every merge candidate the API offers accepted.

The same seeded banking77 draws and embeddings as small_apps.py (300-1,000 complaints over 10-30
intents), the product's pipeline and KMeans told the true k. After the pass, each issue's merge
candidates are listed by the product's own rule (`clustering.merge.merge_candidates`, the function
`GET /api/issues/{id}/merge-candidates` calls; no corrections here, so centroid cosine alone) and a
person accepts every one: accepted pairs are merged transitively (a person's merge moves the
members, noise stays noise). Two bars are measured:

- **0.85**: `MERGE_SUGGESTION_SIMILARITY`, the fixed bar;
- **the pass's bar**: the cosine the pass itself measured as "close" (`merge_similarity`,
  `merge.typical_member_similarity` of its clusters, 0.73-0.85 here), which the API could use if
  passes stored it (they do not: on the development draws it offered worse pairs than 0.85).

Beside V / ARI / noise / issues per true group and the aim (small_apps.meets_aim), each row counts
the pairs offered and how many join two issues of the same intent (their majority intents equal):
a person sees every pair, so a wrong one costs a look even if it is refused. `--bars` adds other
fixed bars, to see what a looser bar would offer (not the product's rule).

    .venv/bin/python benchmarks/small_app_merge_offers.py [--seeds 4,...,15] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmark_embedders import add_embedder_argument  # noqa: E402
from cluster_quality import as_items, kmeans_labels  # noqa: E402
from small_app_draws import Draw, draw_small_app  # noqa: E402
from small_apps import (  # noqa: E402
    EVALUATION_SEEDS,
    cached_embeddings,
    meets_aim,
    method_summary_cells,
    pooled_banking,
    score_draw,
)

from clustering.merge import MERGE_SUGGESTION_SIMILARITY, merge_candidates  # noqa: E402
from clustering.pipeline import DiscoveredCluster, discover_clusters  # noqa: E402

PIPELINE, KMEANS = "Feedgate pipeline", "KMeans, true k"
FIXED, RUN_BAR = "+ every candidate at 0.85", "+ every candidate at the pass's bar"


@dataclass
class OfferScore:
    """One method on one draw, with the merge pairs offered (0 for the methods offering none)."""

    seed: int
    items: int
    groups: int
    method: str
    v_measure: float
    ari: float
    noise_share: float
    issues_per_group: float
    aim_met: bool
    bar: float | None
    offered: int
    same_intent: int


def offered_pairs(clusters: list[DiscoveredCluster], bar: float) -> set[tuple[int, int]]:
    """Every pair of the pass's issues the merge-candidates API would offer at `bar` (indices into `clusters`)."""
    if not clusters:
        return set()
    centroids = np.stack([cluster.centroid for cluster in clusters])
    keywords = [cluster.keywords for cluster in clusters]
    pairs = set()
    for of in range(len(clusters)):
        for candidate in merge_candidates(centroids, keywords, of, bar):
            pairs.add((min(of, candidate.index), max(of, candidate.index)))
    return pairs


def accepted(labels: np.ndarray, pairs: set[tuple[int, int]]) -> np.ndarray:
    """The labels after a person merges every pair (transitively: a chain of pairs is one issue); noise stays."""
    parent = list(range(int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in sorted(pairs):
        parent[root(right)] = root(left)
    merged = np.array([root(label) if label >= 0 else -1 for label in labels.tolist()])
    renumbered = np.full(len(merged), -1)
    clustered = merged >= 0
    renumbered[clustered] = np.unique(merged[clustered], return_inverse=True)[1]
    return renumbered


def majority_intents(labels: np.ndarray, truth: list[str]) -> dict[int, str]:
    """Each issue's most common true intent."""
    found: dict[int, Counter[str]] = {}
    for label, intent in zip(labels.tolist(), truth, strict=True):
        if label >= 0:
            found.setdefault(label, Counter())[intent] += 1
    return {label: counts.most_common(1)[0][0] for label, counts in found.items()}


def offer_draw(draw: Draw, texts: list[str], embeddings: np.ndarray, bars: Sequence[float] = ()) -> list[OfferScore]:
    """KMeans, the pass, and the pass followed by a person accepting every candidate at each bar (0.85, the pass's,
    then `bars`), on one draw."""
    vectors = embeddings[draw.rows]
    items = as_items([texts[row] for row in draw.rows], f"draw{draw.seed}")
    started = time.perf_counter()
    clusters = discover_clusters(items, vectors)
    seconds = time.perf_counter() - started
    ours = np.full(len(items), -1)
    for number, cluster in enumerate(clusters):
        ours[list(cluster.member_indices)] = number
    kmeans = score_draw(draw, KMEANS, kmeans_labels(vectors, draw.groups, draw.seed), 0.0)
    intents = majority_intents(ours, draw.truth)
    run_bar = clusters[0].merge_similarity if clusters else None
    rows = [
        _row(kmeans, kmeans, None, set(), intents),
        _row(score_draw(draw, PIPELINE, ours, seconds), kmeans, None, set(), intents),
    ]
    others = [(f"+ every candidate at {bar:.2f}", bar) for bar in bars]
    for method, bar in [(FIXED, MERGE_SUGGESTION_SIMILARITY), (RUN_BAR, run_bar), *others]:
        used = MERGE_SUGGESTION_SIMILARITY if bar is None else bar
        pairs = offered_pairs(clusters, used)
        rows.append(_row(score_draw(draw, method, accepted(ours, pairs), seconds), kmeans, used, pairs, intents))
    return rows


def _row(score, kmeans, bar: float | None, pairs: set[tuple[int, int]], intents: dict[int, str]) -> OfferScore:  # type: ignore[no-untyped-def]
    return OfferScore(
        seed=score.seed,
        items=score.items,
        groups=score.groups,
        method=score.method,
        v_measure=score.v_measure,
        ari=score.ari,
        noise_share=score.noise_share,
        issues_per_group=score.issues_per_group,
        aim_met=score.method != KMEANS and meets_aim(score, kmeans),
        bar=bar,
        offered=len(pairs),
        same_intent=sum(intents[left] == intents[right] for left, right in pairs),
    )


def summary_markdown(scores: list[OfferScore]) -> str:
    """Per method: draws meeting the aim, means, and the pairs offered with how many are one intent."""
    lines = [
        "| Method | Aim met | V-measure | ARI | Noise | Issues per true group (range) | Pairs offered (same intent) | Bar (range) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method in dict.fromkeys(s.method for s in scores):
        mine = [s for s in scores if s.method == method]
        offered, same = sum(s.offered for s in mine), sum(s.same_intent for s in mine)
        bars = [s.bar for s in mine if s.bar is not None]
        lines.append(
            f"| {method} {method_summary_cells(mine, counts_aim=method != KMEANS)}"
            f"| {f'{offered} ({same}, {same / offered:.0%})' if offered else ('0' if bars else '')} "
            f"| {f'{min(bars):.3f}-{max(bars):.3f}' if bars else ''} |"
        )
    return "\n".join(lines)


def draws_markdown(scores: list[OfferScore]) -> str:
    """One row per draw and method."""
    lines = [
        "| Draw (seed: items, groups) | Method | V-measure | ARI | Issues per true group | Aim | Bar | Pairs (same intent) |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.seed}: {s.items}, {s.groups} | {s.method} | {s.v_measure:.3f} | {s.ari:.3f} "
            f"| {s.issues_per_group:.2f} | {'met' if s.aim_met else ''} | {'' if s.bar is None else f'{s.bar:.3f}'} "
            f"| {f'{s.offered} ({s.same_intent})' if s.bar is not None else ''} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Score every draw with and without a person accepting every candidate, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, EVALUATION_SEEDS)), help="comma-separated draw seeds")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    add_embedder_argument(parser)
    parser.add_argument("--bars", default="", help="comma-separated: other fixed bars to measure beside 0.85")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    texts, intents = pooled_banking()
    embeddings = cached_embeddings(texts, args.cache_dir, args.embedder)
    bars = [float(bar) for bar in args.bars.split(",") if bar]
    scores: list[OfferScore] = []
    started = time.perf_counter()
    for seed in (int(s) for s in args.seeds.split(",")):
        found = offer_draw(draw_small_app(intents, seed), texts, embeddings, bars)
        scores.extend(found)
        print(
            f"  seed {seed}: {found[0].items} items, {found[0].groups} groups; aim met by: "
            + (", ".join(s.method for s in found if s.aim_met) or "none"),
            file=sys.stderr,
            flush=True,
        )
    print(draws_markdown(scores))
    print("\n" + summary_markdown(scores))
    print(f"\n{time.perf_counter() - started:.0f} s for {len({s.seed for s in scores})} draws.")
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
