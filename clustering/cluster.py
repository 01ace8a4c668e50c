"""Group reduced points into clusters with HDBSCAN, merge the pieces of one issue; points that fit nowhere stay noise (-1)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from clustering.merge import MergeOutcome, merge_while_better_separated, typical_member_similarity
from clustering.tiny import MAX_POINTS as TINY_APP_POINTS
from clustering.tiny import bisect_while_distinct

__all__ = [
    "NOISE",
    "Clustering",
    "ClusteringChoice",
    "ClusteringParams",
    "adaptive_min_cluster_size",
    "adaptive_min_samples",
    "assign_noise_to_nearest",
    "choose_clustering",
    "cluster_centroids",
    "cluster_points",
    "cluster_with_merge_bar",
]

NOISE = -1


def adaptive_min_cluster_size(n_points: int) -> int:
    """The smallest group worth calling an issue among `n_points`: about sqrt(n)/4, at least 3.

    A fixed size is wrong at both ends: 10 hides real issues in a small app, and on 50k
    items it yields hundreds of micro-issues. A share of n (say 1%) is wrong too: at
    50k it would ignore an issue reported 400 times. The square root grows with the
    volume but slower, so a big app still surfaces issues that are small in share:
    n=100 -> 3, 1k -> 8, 3k -> 14, 10k -> 25, 50k -> 56.
    """
    return max(3, round(math.sqrt(max(n_points, 0)) / 4))


def adaptive_min_samples(min_cluster_size: int) -> int:
    """How many neighbours make a point "core": a quarter of the minimum cluster size, at least 2.

    HDBSCAN defaults min_samples to min_cluster_size, which is conservative: it labels
    the fringe of every cluster as noise (around 10% of banking77). A smaller value lets
    cluster edges in while min_cluster_size still decides what counts as a cluster.
    """
    return max(2, min_cluster_size // 4)


# min_samples values tried on a small app, up to UMAP's neighbourhood (15): structure finer
# than the neighbourhood UMAP preserved is not in its output, so larger values see nothing new.
MIN_SAMPLES_CANDIDATES = (2, 3, 4, 5, 6, 7, 8, 10, 12, 15)
# Up to this many points min_samples and the merges are chosen per run (see `choose_clustering`);
# above it the fixed rule holds and nothing is merged: measured on banking77's 3k and 10k sets,
# where HDBSCAN's clusters come out issue-sized (min_cluster_size 14-25 against issues of ~40-130)
# and merging close clusters only joined distinct neighbouring intents (test.csv, 3,080 queries:
# ARI 0.551 -> 0.545 merging every pair at centroid cosine >= 0.85, -> 0.477 at >= 0.80).
MAX_POINTS_FOR_SELECTION = 2_000
# Below this many points the vectors are clustered without UMAP (ReductionParams.min_points_for_umap)
# and too few remain per group for a silhouette to tell candidates apart: the fixed rule holds.
MIN_POINTS_FOR_SELECTION = 50


@dataclass(frozen=True, slots=True)
class ClusteringParams:
    """HDBSCAN settings; `None` means "derive from the number of points".

    `assign_noise` gives a noise point to its nearest cluster (cosine to the centroid in
    embedding space) when it is about as close as that cluster's least typical member,
    so clusters absorb their fringe (banking77: noise 7% -> 2%, ARI 0.47 -> 0.54) while
    genuine outliers, further from every centroid than any member, stay noise. The bar is
    relative to each cluster, so it needs no retuning for another embedding model.
    """

    min_cluster_size: int | None = None
    min_samples: int | None = None
    selection_method: Literal["eom", "leaf"] = "eom"
    assign_noise: bool = True
    # Choose min_samples per run on small apps (choose_clustering); off, or with min_samples
    # given, the fixed rule or the given value is used and nothing is merged.
    select_min_samples: bool = True
    # While choosing, merge close clusters where that separates them better (clustering.merge).
    merge_close_clusters: bool = True
    # Below 50 points (a tiny app), split top-down while the parts are distinct issues
    # (clustering.tiny); off, or with min_samples given, HDBSCAN's fixed rule is used there too.
    bisect_tiny_apps: bool = True


def cluster_centroids(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cluster labels present (noise excluded) and their unit-length mean vectors."""
    cluster_labels = np.array(sorted(set(labels.tolist()) - {NOISE}), dtype=int)
    if len(cluster_labels) == 0:
        return cluster_labels, np.zeros((0, embeddings.shape[1]), dtype=np.float32)
    centroids = np.stack([embeddings[labels == label].mean(axis=0) for label in cluster_labels])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return cluster_labels, (centroids / norms).astype(np.float32)


def _admission_bar(member_similarities: np.ndarray) -> float:
    # As close to the centroid as the least typical member, or as three standard
    # deviations below the mean if that is lower: with a handful of members the
    # minimum alone is an over-strict estimate of how loose the cluster is.
    spread_bar = member_similarities.mean() - 3 * member_similarities.std()
    return float(min(member_similarities.min(), spread_bar))


def assign_noise_to_nearest(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels where each noise point joins its nearest cluster if no further than that cluster's members."""
    labels = labels.copy()
    noise = np.flatnonzero(labels == NOISE)
    cluster_labels, centroids = cluster_centroids(embeddings, labels)
    if len(noise) == 0 or len(cluster_labels) == 0:
        return labels
    bars = np.array(
        [
            _admission_bar(embeddings[labels == label] @ centroid)
            for label, centroid in zip(cluster_labels, centroids, strict=True)
        ]
    )
    similarities = embeddings[noise] @ centroids.T
    nearest = similarities.argmax(axis=1)
    close_enough = similarities[np.arange(len(noise)), nearest] >= bars[nearest]
    labels[noise[close_enough]] = cluster_labels[nearest[close_enough]]
    return labels


def _hdbscan_labels(
    reduced: np.ndarray, min_cluster_size: int, min_samples: int, selection_method: Literal["eom", "leaf"]
) -> np.ndarray:
    import hdbscan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = hdbscan.HDBSCAN(
            min_cluster_size=min_cluster_size,
            min_samples=min_samples,
            cluster_selection_method=selection_method,
            # Not allow_single_cluster: even on ten real complaints about two clear topics
            # it chose "one issue", and two issues wrongly merged hide one of them.
            metric="euclidean",
            core_dist_n_jobs=1,
        ).fit_predict(reduced)
    return np.asarray(labels, dtype=int)


@dataclass(frozen=True, slots=True)
class ClusteringChoice:
    """What a small app's pass chose: HDBSCAN's min_samples, the labels after merging, and the bar of "close"."""

    min_samples: int
    labels: np.ndarray
    # Centroid cosine from which two clusters count as close (merge.typical_member_similarity of
    # the chosen HDBSCAN clusters); None when no clusters were found.
    merge_similarity: float | None
    merges: int


def choose_clustering(
    reduced: np.ndarray,
    embeddings: np.ndarray,
    min_cluster_size: int,
    selection_method: Literal["eom", "leaf"] = "eom",
    merge: bool = True,
) -> ClusteringChoice:
    """The density scale and merges whose clusters separate best in the original space (noise assigned, then again after merging).

    min_samples sets how far HDBSCAN looks to judge density. On a small app one value does
    not fit every shape: with groups of very different sizes, a small value cuts a big group
    along its sub-phrasings (three issues for one problem) and a large one swallows the
    groups of five. So each candidate is clustered (and its noise assigned), its close clusters
    are merged as far as that separates them better (`merge.merge_while_better_separated`), and
    the candidates are compared by the same score: the silhouette of the clustered points in the
    original embedding space (cosine): how much closer members are to their own cluster than to
    the nearest other one. Cutting a group in two, or gluing two together, both lower it. Ties go
    to the smaller value. No labels are involved: it is the data's shape, not a search against a
    known answer. With `merge` off, the candidates are compared as HDBSCAN left them.

    Density scale and merges are chosen together because each changes what the other should be:
    before merging, the silhouette favours the fine scale's tight pieces of big issues; after it,
    a fine scale whose pieces merge back can beat a coarse one that swallowed the small issues.
    """
    # One cosine matrix serves every candidate's silhouettes (2,000 points: 16 MB).
    similarities = embeddings @ embeddings.T
    best: tuple[float, int, MergeOutcome, float | None] | None = None
    for min_samples in MIN_SAMPLES_CANDIDATES:
        if min_samples >= len(reduced):
            break
        labels = assign_noise_to_nearest(
            embeddings, _hdbscan_labels(reduced, min_cluster_size, min_samples, selection_method)
        )
        bar = typical_member_similarity(embeddings, labels)
        close_from = bar if merge and bar is not None else np.inf
        outcome = merge_while_better_separated(embeddings, labels, close_from, similarities)
        if outcome.separation is not None and (best is None or outcome.separation > best[0]):
            best = (outcome.separation, min_samples, outcome, bar)
    if best is None:
        fallback = adaptive_min_samples(min_cluster_size)
        labels = assign_noise_to_nearest(
            embeddings, _hdbscan_labels(reduced, min_cluster_size, fallback, selection_method)
        )
        return ClusteringChoice(fallback, labels, typical_member_similarity(embeddings, labels), 0)
    _, min_samples, outcome, bar = best
    # Merged clusters are broader, so noise that fitted none of the pieces may fit the whole.
    labels = assign_noise_to_nearest(embeddings, outcome.labels) if outcome.merges else outcome.labels
    return ClusteringChoice(min_samples, labels, bar, outcome.merges)


@dataclass(frozen=True, slots=True)
class Clustering:
    """Labels for a run's points (0..k-1, -1 for noise) and the bar from which two of its clusters count as close."""

    labels: np.ndarray
    # Centroid cosine (see clustering.merge); None without embeddings or clusters.
    merge_similarity: float | None


def cluster_points(
    reduced: np.ndarray,
    embeddings: np.ndarray | None = None,
    params: ClusteringParams = ClusteringParams(),
) -> np.ndarray:
    """One label per point: 0..k-1 for clusters, -1 for noise (see `cluster_with_merge_bar`)."""
    return cluster_with_merge_bar(reduced, embeddings, params).labels


def cluster_with_merge_bar(
    reduced: np.ndarray,
    embeddings: np.ndarray | None = None,
    params: ClusteringParams = ClusteringParams(),
) -> Clustering:
    """Cluster the points and say from which centroid cosine two of the clusters count as close.

    `reduced` are the coordinates HDBSCAN sees; `embeddings`, the original unit vectors
    of the same points, are used to assign noise to clusters (without them noise stays) and,
    on a small app, to choose min_samples and merge the pieces of one issue (`choose_clustering`).
    """
    reduced = np.asarray(reduced, dtype=np.float64)
    n_points = len(reduced)
    min_cluster_size = params.min_cluster_size or adaptive_min_cluster_size(n_points)
    min_samples = params.min_samples or adaptive_min_samples(min_cluster_size)
    # Fewer points than one cluster's worth (or than HDBSCAN can take): all noise.
    if n_points < max(min_cluster_size, min_samples + 1, 2):
        return Clustering(np.full(n_points, NOISE, dtype=int), None)
    vectors = None if embeddings is None else np.asarray(embeddings, dtype=np.float32)
    if (
        params.bisect_tiny_apps
        and params.min_samples is None
        and params.assign_noise
        and vectors is not None
        and n_points < TINY_APP_POINTS
    ):
        labels = assign_noise_to_nearest(vectors, bisect_while_distinct(vectors, min_cluster_size))
        return Clustering(_consecutive(labels), typical_member_similarity(vectors, labels))
    chooses = (
        params.select_min_samples
        and params.min_samples is None
        and params.assign_noise
        and vectors is not None
        and MIN_POINTS_FOR_SELECTION <= n_points <= MAX_POINTS_FOR_SELECTION
    )
    if chooses and vectors is not None:
        choice = choose_clustering(
            reduced, vectors, min_cluster_size, params.selection_method, merge=params.merge_close_clusters
        )
        return Clustering(_consecutive(choice.labels), choice.merge_similarity)
    labels = _hdbscan_labels(reduced, min_cluster_size, min_samples, params.selection_method)
    if vectors is None:
        return Clustering(labels, None)
    if params.assign_noise:
        # Cosine in the original space: UMAP coordinates are not centred, so angles there mean little.
        labels = assign_noise_to_nearest(vectors, labels)
    return Clustering(labels, typical_member_similarity(vectors, labels))


def _consecutive(labels: np.ndarray) -> np.ndarray:
    # Merging leaves gaps in the cluster numbers; renumber 0..k-1 in order, noise stays -1.
    renumbered = np.full(len(labels), NOISE, dtype=int)
    clustered = labels != NOISE
    renumbered[clustered] = np.unique(labels[clustered], return_inverse=True)[1]
    return renumbered
