"""When two clusters are one issue: one definition of "close", the pass's merges, and the pairs offered to a person.

HDBSCAN on a small, uneven app cuts a big issue along its stock phrasings ("how long does a
transfer take" / "my transfer has not arrived"): each piece is dense, and UMAP pulls the pieces
apart. The pass merges them back in the original embedding space, in two steps:

1. **Close.** Two clusters are close when their centroids are at least as similar as a typical
   member of this run's clusters is to its own centroid (`typical_member_similarity`): the
   angle between the two centres is no wider than a typical complaint's angle to the centre of
   its issue, so where their complaints sit does not tell them apart. Pairs further apart are
   at least as distinct as an issue is wide and are never merged. The bar is measured on each
   run's clusters, so it follows the embedding model's scale (no cosine constant to retune).
2. **Better separated.** Close is necessary, not sufficient: neighbouring issues can be close
   too (on banking77's full set, merging every pair at cosine >= 0.80 cost ARI 0.551 -> 0.477).
   So close clusters are merged one pair at a time, closest first (centroids recomputed after
   each merge), and the pass keeps the step whose clusters separate best: the mean silhouette
   (cosine, original space) over the clustered items, the measure that already picks HDBSCAN's
   density scale (`cluster.choose_clustering`). Joining two fragments of one issue raises it
   (their members' nearest other cluster was the sibling, now it is a distinct issue); joining
   two distinct issues among many close ones barely moves it, so the pass leaves them apart.

Measured on seeded small-app draws from banking77 (benchmarks/small_apps.py, development seeds
0-3 and 101-132): without the "close" condition the silhouette alone merged small distinct
issues into big neighbours on draws with many small issues (seeds 121-132: worst V-measure 0.143
below KMeans told the true k; with it, the worst was 0.005 above). On an even, crowded app
(2,000 banking77 queries over all 77 intents, nothing to merge by the labels) the pass ended
with 56 issues instead of 59: ARI 0.515 -> 0.504. Above 2,000 complaints it does not merge
(`cluster.MAX_POINTS_FOR_SELECTION`).

Pairs that are close but were left apart are what `merge_candidates` offers a person
(`GET /api/issues/{id}/merge-candidates`), from the fixed bar `MERGE_SUGGESTION_SIMILARITY`; a pair
the pass merged is one issue and never shows. The run's own bar was measured as the API's and not
adopted (benchmarks/small_app_merge_offers.py, development seeds: 7 pairs on 36 draws, 3 of one
intent, aim met on 18 instead of 20; 0.85 offered none, the pass having merged every pair that close). Keywords in common are shown
as evidence, not required: c-TF-IDF ranks a word low when several clusters use it, so fragments
of one issue often share none of their top keywords (on 16 small-app draws, among cluster pairs
at centroid cosine 0.75-0.85, 73 % of pairs from one intent shared a top-8 keyword and 57 % of
pairs from different intents did: too weak a signal to gate a merge on).

A correction in common offers a pair from a looser bar, `SHARED_CORRECTION_SIMILARITY`, never
from any distance: end users repeat stock corrections ("please let me talk to a person") after
any complaint, and on a store where they did every issue of the app was a candidate of every
other. Measured on banking77's test set (all-MiniLM-L6-v2; 229 pairs of the halves KMeans cuts an
intent's queries into, as a pass may cut one issue, and the 2,926 pairs of intent centroids): at
cosine 0.5 and up are 94 % of the pairs of halves of one intent and 19 % of the pairs of different
intents, so a shared correction still joins fragments of one problem while a stock one no longer
ties an issue to every other (0.6 kept 88 % and 9 %; 0.4, 97 % and 34 %).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MERGE_SUGGESTION_SIMILARITY",
    "SHARED_CORRECTION_SIMILARITY",
    "MergeCandidate",
    "MergeOutcome",
    "MergeStep",
    "merge_candidates",
    "merge_steps",
    "merge_while_better_separated",
    "separation",
    "typical_member_similarity",
]

# The merge-candidates API's bar, and split_judge's when a pass measured none. A pass measures its
# own (`typical_member_similarity`: 0.73-0.85 on banking77 with all-MiniLM-L6-v2), not stored with
# the issues: as the API's bar it offered worse pairs (see the module docstring). Measured before
# the pass merged close clusters itself: above 0.85, pairs of clusters from one intent outnumbered
# pairs from different intents about 17 to 1 (105 to 6 on 16 draws).
MERGE_SUGGESTION_SIMILARITY = 0.85
# The bar for a pair whose complaints end users corrected with the same words (see the module docstring):
# close enough to be neighbouring problems, so a stock correction alone does not tie far-apart issues.
SHARED_CORRECTION_SIMILARITY = 0.5


def _clustered(labels: np.ndarray) -> np.ndarray:
    # Noise is any negative label (cluster.NOISE is -1; imported there, not here, to avoid a cycle).
    return np.asarray(labels) >= 0


def typical_member_similarity(embeddings: np.ndarray, labels: np.ndarray) -> float | None:
    """How similar a typical clustered item is to its cluster's centroid: the mean cosine (None without clusters).

    This is the bar of "close": centroids at least this similar are no further apart than a
    member is from its own centre. Noise (negative labels) is left out.
    """
    clustered = _clustered(labels)
    if not clustered.any():
        return None
    vectors = np.asarray(embeddings, dtype=np.float64)[clustered]
    _, own = np.unique(np.asarray(labels)[clustered], return_inverse=True)
    sums = np.zeros((own.max() + 1, vectors.shape[1]))
    np.add.at(sums, own, vectors)
    centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return float(np.einsum("ij,ij->i", vectors, centroids[own]).mean())


def _silhouettes(distance_sums: np.ndarray, counts: np.ndarray, own: np.ndarray, alive: np.ndarray) -> np.ndarray:
    # As sklearn's silhouette_samples from per-cluster sums of distances: a is the mean distance
    # to the rest of the own cluster, b to the nearest other cluster; a lone member scores 0.
    rows = np.arange(len(own))
    a = distance_sums[rows, own] / np.maximum(counts[own] - 1, 1)
    means = distance_sums / np.maximum(counts, 1)
    means[:, ~alive] = np.inf
    means[rows, own] = np.inf
    b = means.min(axis=1)
    scores: np.ndarray = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    scores[counts[own] <= 1] = 0.0
    return scores


def separation(embeddings: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette (cosine) of the clustered items of unit-length `embeddings`; None with fewer than two clusters."""
    return merge_while_better_separated(embeddings, labels, min_similarity=np.inf).separation


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """The labels after the pass's merges, how well their clusters separate (None: fewer than two), and how many merges."""

    labels: np.ndarray
    separation: float | None
    merges: int


@dataclass(frozen=True, slots=True)
class MergeStep:
    """One step of the closest-first merging: the labels so far, their separation, and the merged pair's similarity."""

    labels: np.ndarray
    separation: float
    merges: int
    # Centroid cosine of the pair this step merged; None for the labels as given (step 0).
    similarity: float | None


def merge_steps(
    embeddings: np.ndarray,
    labels: np.ndarray,
    min_similarity: float,
    similarities: np.ndarray | None = None,
) -> Iterator[MergeStep]:
    """The labels as given, then after each merge of the two closest clusters, while they are close.

    `embeddings` are unit vectors, `labels` their clusters (negative: noise, left as it is);
    pairs are close from centroid cosine `min_similarity`. Yields nothing with fewer than two
    clusters, and stops at two (a silhouette needs two). `similarities`, the embeddings' cosine
    matrix, may be given when several labellings of the same points are tried.
    """
    labels = np.asarray(labels)
    clustered = np.flatnonzero(_clustered(labels))
    cluster_ids, own = np.unique(labels[clustered], return_inverse=True)
    if len(cluster_ids) < 2:
        return
    vectors = np.asarray(embeddings, dtype=np.float64)[clustered]
    if similarities is None:
        cosine = vectors @ vectors.T
    else:
        cosine = np.asarray(similarities, dtype=np.float64)[np.ix_(clustered, clustered)]
    distances = 1.0 - cosine
    np.fill_diagonal(distances, 0.0)
    one_hot = np.zeros((len(clustered), len(cluster_ids)))
    one_hot[np.arange(len(clustered)), own] = 1.0
    # Per item and cluster, the summed distance to that cluster's members: merging two clusters
    # adds two columns, so each step's silhouette costs items x clusters, not items squared.
    distance_sums = distances @ one_hot
    counts = one_hot.sum(axis=0)
    member_sums = one_hot.T @ vectors
    alive = np.ones(len(cluster_ids), dtype=bool)

    def step(merges: int, similarity: float | None) -> MergeStep:
        merged = labels.copy()
        merged[clustered] = cluster_ids[own]
        score = float(_silhouettes(distance_sums, counts, own, alive).mean())
        return MergeStep(merged, score, merges, similarity)

    yield step(0, None)
    merges = 0
    while alive.sum() > 2:
        centroids = member_sums / np.maximum(np.linalg.norm(member_sums, axis=1, keepdims=True), 1e-12)
        closeness = centroids @ centroids.T
        closeness[~alive, :] = -np.inf
        closeness[:, ~alive] = -np.inf
        np.fill_diagonal(closeness, -np.inf)
        keep, absorbed = np.unravel_index(int(np.argmax(closeness)), closeness.shape)
        similarity = float(closeness[keep, absorbed])
        if similarity < min_similarity:
            return
        distance_sums[:, keep] += distance_sums[:, absorbed]
        counts[keep] += counts[absorbed]
        member_sums[keep] += member_sums[absorbed]
        distance_sums[:, absorbed], counts[absorbed], member_sums[absorbed] = 0.0, 0.0, 0.0
        alive[absorbed] = False
        own = np.where(own == absorbed, keep, own)
        merges += 1
        yield step(merges, similarity)


def merge_while_better_separated(
    embeddings: np.ndarray,
    labels: np.ndarray,
    min_similarity: float,
    similarities: np.ndarray | None = None,
) -> MergeOutcome:
    """Merge close clusters closest first and keep the step whose clusters separate best (see the module docstring).

    Arguments as `merge_steps`. Ties keep fewer merges; with fewer than two clusters the labels
    come back as given, with no separation.
    """
    best: MergeStep | None = None
    for found in merge_steps(embeddings, labels, min_similarity, similarities):
        if best is None or found.separation > best.separation:
            best = found
    if best is None:
        return MergeOutcome(np.asarray(labels).copy(), None, 0)
    return MergeOutcome(best.labels, best.separation, best.merges)


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    """Another issue that looks like the same problem: how close the centres are, and what both carry."""

    index: int
    similarity: float
    shared_keywords: tuple[str, ...]
    # End users' corrections both issues' complaints carry (as `correction_key` reads them).
    shared_corrections: tuple[str, ...] = ()


# A correction shorter than this says too little ("no", "that's wrong") to tie two issues together.
MIN_CORRECTION_WORDS = 4


def correction_key(text: str) -> str | None:
    """`text` (an end user's correction) as compared between issues, or None when too short to tell anything.

    Case, runs of spaces and trailing punctuation do not make two corrections different.
    """
    words = text.casefold().split()
    if len(words) < MIN_CORRECTION_WORDS:
        return None
    return " ".join(words).rstrip(".!?;:, ")


def merge_candidates(
    centroids: np.ndarray,
    keywords: Sequence[Sequence[str]],
    of: int,
    min_similarity: float,
    corrections: Sequence[frozenset[str]] | None = None,
) -> list[MergeCandidate]:
    """The clusters like row `of`, most similar first: centroid cosine >= `min_similarity` (the pass's bar),
    or a correction in common and centroid cosine >= `SHARED_CORRECTION_SIMILARITY`.

    `centroids` are unit vectors, one per cluster, with `keywords` (and `corrections`, each cluster's
    `correction_key`s) in the same order. Complaints corrected with the same words are one problem
    even when their questions sit apart (a fee asked about for Peru and for Italy, both corrected
    "the transfer fee is 1% of the amount"), as long as they are neighbours. Each candidate carries the keywords and corrections it
    shares with `of` (possibly none) as evidence for the person deciding. `of` itself is never a candidate.
    """
    if len(centroids) == 0:
        return []
    similarities = np.asarray(centroids, dtype=np.float32) @ np.asarray(centroids[of], dtype=np.float32)
    own = set(keywords[of])
    own_corrections = corrections[of] if corrections is not None else frozenset()
    found = []
    for index in np.argsort(-similarities, kind="stable"):
        if index == of:
            continue
        both = tuple(sorted(corrections[index] & own_corrections)) if corrections is not None else ()
        close = similarities[index] >= min_similarity
        if not close and not (both and similarities[index] >= SHARED_CORRECTION_SIMILARITY):
            continue
        shared = tuple(word for word in keywords[index] if word in own)
        found.append(MergeCandidate(int(index), float(similarities[index]), shared, both))
    return found
