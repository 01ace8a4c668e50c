"""How far the small-app rule is from what its own candidates allow: the ceiling of the choice, and other ways to choose.

On a small app the pass tries HDBSCAN's density scale (min_samples 2-15) and, for each, the merges
of close clusters one pair at a time (clustering.cluster.choose_clustering); the mean silhouette
picks one (density scale, merges) pair. This script lists every candidate on each draw of
small_apps.py and scores it against the true intents, to tell two failures apart:

- the family holds no candidate that meets the aim (the clustering itself must change), or
- it holds one, and the silhouette did not pick it (the choice must change).

Per draw it reports whether the product's choice meets the aim (at least KMeans-true-k on V and
ARI, noise <= 10 %, 0.8-1.3 issues per true group), whether any candidate within the bar of
"close" does, and whether any candidate does when merging goes on past the bar. Then it scores
label-free ways to choose among the same candidates, each a standard measure of how well
clusters separate (none uses the labels): the silhouette in UMAP's space (where HDBSCAN
clustered), Davies-Bouldin (cosine space), and a consensus of the density scales (two complaints
are one issue when most scales' best merges put them together: average linkage of the
co-association cut at one half).

    .venv/bin/python benchmarks/small_apps_ceiling.py [--seeds 4,...,15] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmark_embedders import add_embedder_argument  # noqa: E402
from cluster_quality import kmeans_labels  # noqa: E402
from small_app_draws import Draw, draw_small_app  # noqa: E402
from small_apps import DEVELOPMENT_SEEDS, EVALUATION_SEEDS, cached_embeddings, meets_aim, pooled_banking  # noqa: E402

from clustering.cluster import (  # noqa: E402
    MIN_SAMPLES_CANDIDATES,
    _hdbscan_labels,
    adaptive_min_cluster_size,
    assign_noise_to_nearest,
    choose_clustering,
)
from clustering.merge import merge_steps, typical_member_similarity  # noqa: E402
from clustering.reduce import ReductionParams, reduce_embeddings  # noqa: E402


@dataclass(frozen=True, slots=True)
class Score:
    """One labelling against the draw's intents."""

    v_measure: float
    ari: float
    noise_share: float
    issues_per_group: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """One (density scale, merges) candidate of a draw."""

    min_samples: int
    merges: int
    within_bar: bool
    silhouette: float
    labels: np.ndarray


def score(draw: Draw, labels: np.ndarray) -> Score:
    """V-measure, ARI, noise share and issues per true group of `labels`."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    return Score(
        v_measure=float(v_measure_score(draw.truth, labels)),
        ari=float(adjusted_rand_score(draw.truth, labels)),
        noise_share=float(np.mean(labels < 0)),
        issues_per_group=len(set(labels.tolist()) - {-1}) / draw.groups,
    )


def candidates(reduced: np.ndarray, embeddings: np.ndarray) -> list[Candidate]:
    """Every density scale's clusters and each of their closest-first merges, marked within the bar of "close" or past it."""
    min_cluster_size = adaptive_min_cluster_size(len(embeddings))
    similarities = embeddings @ embeddings.T
    found = []
    for min_samples in MIN_SAMPLES_CANDIDATES:
        labels = assign_noise_to_nearest(
            embeddings, _hdbscan_labels(reduced, min_cluster_size, min_samples, selection_method="eom")
        )
        bar = typical_member_similarity(embeddings, labels)
        within = True
        for step in merge_steps(embeddings, labels, -np.inf, similarities):
            within = within and (step.similarity is None or (bar is not None and step.similarity >= bar))
            found.append(Candidate(min_samples, step.merges, within, step.separation, step.labels))
    return found


def umap_silhouette(reduced: np.ndarray, embeddings: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the clustered points in UMAP's space (euclidean), where HDBSCAN clustered them."""
    from sklearn.metrics import silhouette_score

    kept = labels >= 0
    return float(silhouette_score(reduced[kept], labels[kept]))


def minus_davies_bouldin(reduced: np.ndarray, embeddings: np.ndarray, labels: np.ndarray) -> float:
    """Davies-Bouldin of the clustered points in the embedding space, negated so that higher is better."""
    from sklearn.metrics import davies_bouldin_score

    kept = labels >= 0
    return -float(davies_bouldin_score(embeddings[kept], labels[kept]))


def consensus_of_scales(found: list[Candidate]) -> np.ndarray:
    """Per density scale the silhouette's best merges; two items share an issue when most of those put them together."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    chosen = []
    for min_samples in sorted({c.min_samples for c in found}):
        mine = [c for c in found if c.min_samples == min_samples and c.within_bar]
        chosen.append(max(mine, key=lambda c: c.silhouette).labels)
    together = np.zeros((len(chosen[0]), len(chosen[0])))
    noise_votes = np.zeros(len(chosen[0]))
    for labels in chosen:
        together += (labels[:, None] == labels[None, :]) & (labels[:, None] >= 0)
        noise_votes += labels < 0
    distance = 1.0 - together / len(chosen)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), method="average"), t=0.5, criterion="distance") - 1
    labels[noise_votes > len(chosen) / 2] = -1
    return labels


Criterion = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
CRITERIA: dict[str, Criterion] = {
    "silhouette in UMAP space": umap_silhouette,
    "Davies-Bouldin": minus_davies_bouldin,
}


@dataclass(frozen=True, slots=True)
class DrawResult:
    """What the product chose on one draw, what its candidates allowed, and what other choices give."""

    seed: int
    items: int
    groups: int
    kmeans: Score
    product: Score
    product_meets: bool
    candidates: int
    best_within_bar_meets: bool
    best_past_bar_meets: bool
    others: dict[str, Score]
    others_meet: dict[str, bool]


def evaluate(draw: Draw, embeddings: np.ndarray) -> DrawResult:
    """Score the product's choice, the ceiling of its candidates, and the other criteria on one draw."""
    vectors = np.asarray(embeddings[draw.rows], dtype=np.float32)
    kmeans = score(draw, kmeans_labels(vectors, draw.groups, draw.seed))
    reduced = np.asarray(reduce_embeddings(vectors, ReductionParams()), dtype=np.float64)
    product = score(draw, choose_clustering(reduced, vectors, adaptive_min_cluster_size(len(vectors))).labels)
    found = candidates(reduced, vectors)
    scored = [(c, score(draw, c.labels)) for c in found]
    others: dict[str, Score] = {}
    for name, criterion in CRITERIA.items():
        usable = [c for c in found if c.within_bar and len(set(c.labels.tolist()) - {-1}) >= 2]
        best = max(usable, key=lambda c: criterion(reduced, vectors, c.labels))
        others[name] = score(draw, best.labels)
    others["consensus of density scales"] = score(draw, consensus_of_scales(found))
    return DrawResult(
        seed=draw.seed,
        items=len(draw.rows),
        groups=draw.groups,
        kmeans=kmeans,
        product=product,
        product_meets=meets_aim(product, kmeans),
        candidates=len(found),
        best_within_bar_meets=any(meets_aim(s, kmeans) for c, s in scored if c.within_bar),
        best_past_bar_meets=any(meets_aim(s, kmeans) for _, s in scored),
        others=others,
        others_meet={name: meets_aim(s, kmeans) for name, s in others.items()},
    )


def markdown(results: list[DrawResult], label: str) -> str:
    """One row per way of choosing: draws meeting the aim, mean margins over KMeans, issues per group."""

    def row(name: str, scores: list[Score], met: int) -> str:
        dv = [s.v_measure - r.kmeans.v_measure for s, r in zip(scores, results, strict=True)]
        da = [s.ari - r.kmeans.ari for s, r in zip(scores, results, strict=True)]
        per_group = [s.issues_per_group for s in scores]
        return (
            f"| {label} | {name} | {met} of {len(results)} | {np.mean(dv):+.3f} | {np.mean(da):+.3f} "
            f"| {np.mean(per_group):.2f} ({min(per_group):.2f}-{max(per_group):.2f}) |"
        )

    lines = [
        "| Draws | Choice among the candidates | Aim met | V over KMeans | ARI over KMeans | Issues per group (range) |",
        "|---|---|---:|---:|---:|---:|",
        row(
            "the product's (silhouette, within the bar)",
            [r.product for r in results],
            sum(r.product_meets for r in results),
        ),
    ]
    for name in results[0].others:
        met = sum(r.others_meet[name] for r in results)
        lines.append(row(name, [r.others[name] for r in results], met))
    lines.append(
        f"| {label} | best candidate within the bar (knows the labels) | "
        f"{sum(r.best_within_bar_meets for r in results)} of {len(results)} | | | |"
    )
    lines.append(
        f"| {label} | best candidate, merging past the bar (knows the labels) | "
        f"{sum(r.best_past_bar_meets for r in results)} of {len(results)} | | | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate the draws and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, EVALUATION_SEEDS)), help="comma-separated draw seeds")
    parser.add_argument(
        "--development", action="store_true", help="also report the development seeds (0-3, 101-132) apart"
    )
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    add_embedder_argument(parser)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    texts, intents = pooled_banking()
    embeddings = cached_embeddings(texts, args.cache_dir, args.embedder)
    groups = {"held-out": [int(s) for s in args.seeds.split(",")]}
    if args.development:
        groups["development"] = list(DEVELOPMENT_SEEDS)
    tables, everything = [], []
    for label, seeds in groups.items():
        results = []
        for seed in seeds:
            result = evaluate(draw_small_app(intents, seed), embeddings)
            results.append(result)
            print(
                f"  seed {seed}: product {'meets' if result.product_meets else 'misses'}, "
                f"within the bar {'one meets' if result.best_within_bar_meets else 'none meets'}",
                file=sys.stderr,
            )
        tables.append(markdown(results, label))
        everything.extend(results)
    print("\n\n".join(tables))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in everything], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
