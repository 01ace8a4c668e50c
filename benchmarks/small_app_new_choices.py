"""Three more label-free ideas for the small-app choice, scored on the same draws as the product's.

The product's miss on small, uneven apps is the choice among its candidates (small_apps_ceiling.py):
the silhouette keeps pure, far-apart pieces of a big intent apart. Each rule here uses something
the tried rules did not (benchmarks/README-clustering.md, "Small apps: what was tried"):

- `raw HDBSCAN`: another candidate generator, HDBSCAN on the unit vectors themselves (no UMAP,
  which can tear one intent apart), each density scale and its closest-first merges within the bar
  of "close", chosen by the same silhouette as the product.
- `average linkage`: agglomerative clustering of the vectors (cosine, average linkage), the cut
  chosen by the same silhouette among 2 .. n / smallest-issue clusters; clusters smaller than the
  pass's smallest issue become noise, then noise is assigned as the product assigns it.
- `long tail`: the product's own candidates, with a prior from the data's known shape: complaint
  counts are long-tailed, so among within-bar candidates whose silhouette is within one standard
  error (over complaints) of the best, the one whose issue sizes are most uneven (Gini) wins.
- `words`: the texts, not the geometry: after the product's choice, two clusters are joined when
  their content words (c-TF-IDF over each cluster's complaints, words used by more than 10 % of
  the app's complaints removed) are at least as alike as a typical complaint's words are to its
  own cluster's (and share a word), closest first (the product's bar of "close", in word space).

Candidates are kept per draw and runtime under --work-dir (UMAP runs once), so rules re-score fast.

    .venv/bin/python benchmarks/small_app_new_choices.py --development --embedder torch|onnx
    .venv/bin/python benchmarks/small_app_new_choices.py --seeds 4,...,15 --embedder onnx
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmark_embedders import add_embedder_argument  # noqa: E402
from cluster_quality import kmeans_labels  # noqa: E402
from small_app_draws import Draw, draw_small_app  # noqa: E402
from small_apps import DEVELOPMENT_SEEDS, EVALUATION_SEEDS, cached_embeddings, meets_aim, pooled_banking  # noqa: E402
from small_apps_ceiling import Score, candidates, score  # noqa: E402

from clustering.cluster import adaptive_min_cluster_size, assign_noise_to_nearest, choose_clustering  # noqa: E402
from clustering.label import keyword_terms  # noqa: E402
from clustering.reduce import ReductionParams, reduce_embeddings  # noqa: E402


def silhouette_choice(found: list) -> np.ndarray:
    """The product's rule on a candidate list: the best silhouette within the bar of "close"."""
    usable = [c for c in found if c.within_bar]
    return max(usable, key=lambda c: c.silhouette).labels


def average_linkage(vectors: np.ndarray) -> np.ndarray:
    """Average-linkage clusters (cosine), cut where the silhouette is best; small clusters to noise, then assigned."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    from clustering.merge import separation

    smallest = adaptive_min_cluster_size(len(vectors))
    distances = np.clip(1.0 - vectors.astype(np.float64) @ vectors.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, max(3, len(vectors) // smallest + 1)):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        sizes = np.bincount(labels)
        labels = np.where(sizes[labels] >= smallest, labels, -1)
        if len(set(labels.tolist()) - {-1}) < 2:
            continue
        labels = assign_noise_to_nearest(vectors, labels)
        found = separation(vectors, labels)
        if found is not None and (best is None or found > best[0]):
            best = (found, labels)
    assert best is not None
    return best[1]


def gini(labels: np.ndarray) -> float:
    """How uneven the clusters' sizes are: 0 all equal, towards 1 one cluster holds nearly everything."""
    sizes = np.sort(np.bincount(labels[labels >= 0]))
    sizes = sizes[sizes > 0].astype(float)
    ranks = np.arange(1, len(sizes) + 1)
    return float((2 * ranks - len(sizes) - 1) @ sizes / (len(sizes) * sizes.sum()))


def long_tail_choice(found: list, vectors: np.ndarray) -> np.ndarray:
    """Within one standard error of the best silhouette (over complaints), the most uneven issue sizes."""
    from sklearn.metrics import silhouette_samples

    usable = [c for c in found if c.within_bar and len(set(c.labels.tolist()) - {-1}) >= 2]
    best = max(usable, key=lambda c: c.silhouette)
    kept = best.labels >= 0
    per_item = silhouette_samples(vectors[kept], best.labels[kept], metric="cosine")
    error = per_item.std() / np.sqrt(len(per_item))
    near = [c for c in usable if c.silhouette >= best.silhouette - error]
    return max(near, key=lambda c: (gini(c.labels), c.silhouette)).labels


def word_profiles(texts: list[str], labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per complaint and per cluster, unit c-TF-IDF vectors over content words common to under 10 % of the app."""
    vocabulary: dict[str, int] = {}
    rows = []
    for text in texts:
        words = {w for w in keyword_terms(text) if " " not in w}
        rows.append([vocabulary.setdefault(w, len(vocabulary)) for w in words])
    counts = np.zeros((len(texts), len(vocabulary)))
    for i, row in enumerate(rows):
        counts[i, row] = 1.0
    share = counts.mean(axis=0)
    counts[:, share > 0.10] = 0.0
    ids = np.array(sorted(set(labels.tolist()) - {-1}))
    per_cluster = np.stack([counts[labels == c].sum(axis=0) for c in ids])
    idf = np.log(1 + per_cluster.sum() / len(ids) / np.maximum(per_cluster.sum(axis=0), 1e-12))
    profiles = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1e-12) * idf
    items = counts * idf

    def unit(m: np.ndarray) -> np.ndarray:
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)

    return unit(items), unit(profiles), ids


def word_merges(texts: list[str], labels: np.ndarray) -> np.ndarray:
    """Join clusters whose word profiles are as alike as a typical complaint is to its own cluster's, closest first."""
    labels = labels.copy()
    while True:
        ids = np.array(sorted(set(labels.tolist()) - {-1}))
        if len(ids) < 3:
            return labels
        items, profiles, ids = word_profiles(texts, labels)
        clustered = labels >= 0
        own = np.searchsorted(ids, labels[clustered])
        bar = float(np.einsum("ij,ij->i", items[clustered], profiles[own]).mean())
        alike = profiles @ profiles.T
        np.fill_diagonal(alike, -np.inf)
        keep, absorbed = np.unravel_index(int(np.argmax(alike)), alike.shape)
        if alike[keep, absorbed] < bar or alike[keep, absorbed] <= 0.0:
            return labels
        labels[labels == ids[absorbed]] = ids[keep]


def build(draw: Draw, vectors: np.ndarray, texts: list[str]) -> dict:
    """Everything the rules read on one draw: UMAP candidates, raw-vector candidates, the product's labels."""
    reduced = np.asarray(reduce_embeddings(vectors, ReductionParams()), dtype=np.float64)
    smallest = adaptive_min_cluster_size(len(vectors))
    return {
        "truth": draw.truth,
        "texts": texts,
        "kmeans": kmeans_labels(vectors, draw.groups, draw.seed),
        "product": choose_clustering(reduced, vectors, smallest).labels,
        "umap": candidates(reduced, vectors),
        "raw": candidates(vectors.astype(np.float64), vectors),
    }


def joins_of_one_intent(truth: list[str], before: np.ndarray, after: np.ndarray) -> tuple[int, int]:
    """Of the clusters a rule joined into another, how many share its most common intent, and how many were joined."""
    from collections import Counter

    intents = np.asarray(truth)

    def majority(label: int) -> str:
        return Counter(intents[before == label].tolist()).most_common(1)[0][0]

    same = joined = 0
    for label in sorted(set(before.tolist()) - {-1}):
        into = int(after[before == label][0])
        if into != label:
            joined += 1
            same += majority(label) == majority(into)
    return same, joined


RULES = ("product", "raw HDBSCAN", "average linkage", "long tail", "words")


def apply_rules(kept: dict, vectors: np.ndarray) -> dict[str, np.ndarray]:
    """Each rule's labels on one draw."""
    product = kept["product"]
    return {
        "product": product,
        "raw HDBSCAN": assign_noise_to_nearest(vectors, silhouette_choice(kept["raw"])),
        "average linkage": average_linkage(vectors),
        "long tail": long_tail_choice(kept["umap"], vectors),
        "words": word_merges(kept["texts"], product),
    }


def main(argv: list[str] | None = None) -> int:
    """Score every rule on the draws and print one table per set of draws."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, EVALUATION_SEEDS)))
    parser.add_argument("--development", action="store_true", help="the development seeds instead of --seeds")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/feedgate-small-app-choices"))
    add_embedder_argument(parser)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    texts, intents = pooled_banking()
    embeddings = cached_embeddings(texts, args.cache_dir, args.embedder)
    seeds = list(DEVELOPMENT_SEEDS) if args.development else [int(s) for s in args.seeds.split(",")]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    scores: dict[str, list[tuple[Score, Score]]] = {rule: [] for rule in RULES}
    word_joins = np.zeros(2, dtype=int)
    for seed in seeds:
        draw = draw_small_app(intents, seed)
        vectors = np.asarray(embeddings[draw.rows], dtype=np.float32)
        path = args.work_dir / f"{args.embedder}-{seed}.pkl"
        if path.exists():
            kept = pickle.loads(path.read_bytes())
        else:
            kept = build(draw, vectors, [texts[row] for row in draw.rows])
            path.write_bytes(pickle.dumps(kept))
        kmeans = score(draw, kept["kmeans"])
        line = []
        chosen = apply_rules(kept, vectors)
        word_joins += joins_of_one_intent(draw.truth, kept["product"], chosen["words"])
        for rule, labels in chosen.items():
            mine = score(draw, labels)
            scores[rule].append((mine, kmeans))
            line.append(f"{rule} {mine.issues_per_group:.2f}/{mine.ari:.3f}{'*' if meets_aim(mine, kmeans) else ''}")
        print(f"  seed {seed}: " + ", ".join(line), file=sys.stderr, flush=True)
    print("| Rule | Aim met | V-measure | ARI | Noise | Issues per true group (range) |")
    print("|---|---:|---:|---:|---:|---:|")
    km = [k for _, k in scores["product"]]
    print(
        f"| KMeans, true k | | {np.mean([k.v_measure for k in km]):.3f} | {np.mean([k.ari for k in km]):.3f} | 0% | 1.00 |"
    )
    for rule, pairs in scores.items():
        mine = [m for m, _ in pairs]
        per = [m.issues_per_group for m in mine]
        print(
            f"| {rule} | {sum(meets_aim(m, k) for m, k in pairs)} of {len(pairs)} "
            f"| {np.mean([m.v_measure for m in mine]):.3f} | {np.mean([m.ari for m in mine]):.3f} "
            f"| {np.mean([m.noise_share for m in mine]):.1%} | {np.mean(per):.2f} ({min(per):.2f}-{max(per):.2f}) |"
        )
    print(f"\nwords: {word_joins[0]} of {word_joins[1]} clusters joined share their target's most common intent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
